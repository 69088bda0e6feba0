#pragma once
// Per-class input clustering as one named pipeline, writing the cluster file (mutagen/clusters.h).
//
// Pipeline names: '+'-separated steps, in order
//   preprocessing (optional, any of): threshold
//   scaling (optional, default none):  none | scale255 | normalisation | standard | minmax
//   reduction (optional, default raw): raw | pca95 | pca:<components> | umap2 | umap10 | vae |
//   vae-class clustering (required):             kmeans:<k|auto> |
//   agglomerative:<k>:<ward|complete|average>
//                                      | gmm:<k>:<full|tied|diag|spherical> |
//                                      hdbscan:<min_cluster_size>
// e.g. "normalisation+pca95+kmeans:auto" (k by silhouette over 2..5),
// "normalisation+umap2+hdbscan:200". Images are taken as bytes (0..255), as in the thesis. The VAE
// reductions train a convolutional VAE (vae.h): "vae" one on every image of `data` (all classes),
// "vae-class" one per class; the scaled images are mapped into [0, 1] by one affine map before
// encoding (see steps.h in the sources).
#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/clustering/vae.h"
#include "mutagen/clusters.h"
#include "mutagen/dataset.h"

namespace mutagen {

// Clusters the samples of each of `classes` in `data`. Throws mutagen::Error for a pipeline that
// does not parse (naming the step), a class absent from the data, or data the method cannot handle.
// `vae` sets the VAE training (epochs, cache_dir, ...) for the VAE reductions; its seed() is not
// used (the VAEs' seeds derive from `seed`).
ClusterFile cluster_dataset(const Dataset& data, const std::vector<int64_t>& classes,
                            const std::string& pipeline, uint64_t seed,
                            const VaeOptions& vae = VaeOptions());

}  // namespace mutagen
