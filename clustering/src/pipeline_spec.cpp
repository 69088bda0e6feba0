#include "mutagen/clustering/pipeline_spec.h"

#include <sstream>

#include "mutagen/error.h"

namespace mutagen {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  out = std::stoll(s);
  return true;
}

const char* kKinds[] = {"preprocessing", "scaling", "reduction", "clustering"};

}  // namespace

std::string pipeline_grammar() {
  std::string scalings;
  for (const auto& s : scaling_names()) scalings += (scalings.empty() ? "" : " | ") + s;
  return "steps joined by '+', in this order: preprocessing (optional): threshold; scaling "
         "(optional, default none): " +
         scalings +
         "; reduction (optional, default raw): raw | pca95 | pca:<components> | umap2 | umap10 | "
         "vae | vae-class; clustering (required): kmeans:<k|auto> | "
         "agglomerative:<k>:<ward|complete|average> | gmm:<k>:<full|tied|diag|spherical> | "
         "hdbscan:<min_cluster_size>";
}

PipelineSpec parse_pipeline(const std::string& name) {
  const std::string where = "pipeline '" + name + "'";
  auto fail = [&](const std::string& step, const std::string& why) -> Error {
    return Error(where + ": step '" + step + "' " + why + "; valid: " + pipeline_grammar());
  };
  if (name.empty()) throw Error("pipeline name is empty; expected " + pipeline_grammar());
  PipelineSpec spec;
  int last_kind = -1;
  std::string last_step;
  bool have_clustering = false;
  for (const std::string& step : split(name, '+')) {
    if (step.empty()) throw fail(step, "is empty (doubled or trailing '+')");
    int kind = -1;
    const std::vector<std::string> parts = split(step, ':');
    const std::string& head = parts[0];
    int64_t v = 0;
    if (step == "threshold") {
      kind = 0;
      spec.threshold = true;
    } else if (parts.size() == 1 && [&] {
                 for (const auto& s : scaling_names())
                   if (s == step) return true;
                 return false;
               }()) {
      kind = 1;
      spec.scaling = parse_scaling(step);
    } else if (step == "raw" || step == "pca95" || head == "pca" || step == "umap2" ||
               step == "umap10" || head == "umap" || step == "vae" || step == "vae-class") {
      kind = 2;
      if (step == "raw") {
        spec.reduction = Reduction::Raw;
      } else if (step == "pca95") {
        spec.reduction = Reduction::Pca;
        spec.pca_variance = 0.95;
      } else if (head == "pca") {
        if (parts.size() != 2 || !parse_int(parts[1], v) || v < 1)
          throw fail(step, "has a bad component count; expected pca:<components>, an integer >= 1");
        spec.reduction = Reduction::Pca;
        spec.pca_components = v;
      } else if (step == "umap2" || step == "umap10") {
        spec.reduction = Reduction::Umap;
        spec.umap_components = step == "umap2" ? 2 : 10;
      } else if (head == "umap") {
        if (parts.size() != 2 || !parse_int(parts[1], v) || v < 1)
          throw fail(step,
                     "has a bad component count; expected umap2, umap10 or umap:<components>");
        spec.reduction = Reduction::Umap;
        spec.umap_components = v;
      } else {
        spec.reduction = step == "vae" ? Reduction::Vae : Reduction::VaeClass;
      }
    } else if (head == "kmeans" || head == "agglomerative" || head == "gmm" || head == "hdbscan") {
      kind = 3;
      if (head == "kmeans") {
        spec.method = ClusteringMethod::KMeans;
        if (parts.size() != 2) throw fail(step, "expects kmeans:<k|auto>");
        if (parts[1] == "auto")
          spec.k = 0;
        else if (parse_int(parts[1], v) && v >= 2)
          spec.k = v;
        else
          throw fail(step, "has a bad k '" + parts[1] + "'; expected an integer >= 2 or 'auto'");
      } else if (head == "agglomerative" || head == "gmm") {
        const bool agg = head == "agglomerative";
        spec.method = agg ? ClusteringMethod::Agglomerative : ClusteringMethod::Gmm;
        const std::string form = agg ? "agglomerative:<k>:<ward|complete|average>"
                                     : "gmm:<k>:<full|tied|diag|spherical>";
        if (parts.size() != 3) throw fail(step, "expects " + form);
        if (!parse_int(parts[1], v) || v < 2)
          throw fail(step, "has a bad k '" + parts[1] + "'; expected an integer >= 2 in " + form);
        spec.k = v;
        try {
          if (agg)
            spec.linkage = parse_linkage(parts[2]);
          else
            spec.covariance = parse_covariance(parts[2]);
        } catch (const Error& e) {
          throw fail(step, std::string("has a bad option: ") + e.what());
        }
      } else {
        spec.method = ClusteringMethod::Hdbscan;
        if (parts.size() != 2 || !parse_int(parts[1], v) || v < 2)
          throw fail(step, "expects hdbscan:<min_cluster_size>, an integer >= 2");
        spec.min_cluster_size = v;
      }
    } else {
      throw fail(step, "is not a valid step");
    }
    if (kind <= last_kind)
      throw fail(step, std::string("(") + kKinds[kind] + ") comes after '" + last_step + "' (" +
                           kKinds[last_kind] + "); each kind at most once, in order");
    last_kind = kind;
    last_step = step;
    if (kind == 3) have_clustering = true;
  }
  if (!have_clustering)
    throw Error(where +
                ": no clustering step; it must end with one of kmeans:<k|auto> | "
                "agglomerative:<k>:<linkage> | gmm:<k>:<covariance> | "
                "hdbscan:<min_cluster_size>");
  if (spec.threshold && (spec.reduction == Reduction::Vae || spec.reduction == Reduction::VaeClass))
    throw Error(where + ": 'threshold' cannot be combined with '" + spec.reduction_name() +
                "': the VAEs take whole 28x28 images (thesis 5.2)");
  return spec;
}

std::string PipelineSpec::preprocessing_name() const {
  return (threshold ? "threshold+" : "") + to_string(scaling);
}

std::string PipelineSpec::reduction_name() const {
  switch (reduction) {
    case Reduction::Raw:
      return "raw";
    case Reduction::Pca:
      if (pca_components > 0) return "pca:" + std::to_string(pca_components);
      if (pca_variance == 0.95) return "pca95";
      return "pca";  // only reachable when a caller set a custom variance
    case Reduction::Umap:
      if (umap_components == 2 || umap_components == 10)
        return "umap" + std::to_string(umap_components);
      return "umap:" + std::to_string(umap_components);
    case Reduction::Vae:
      return "vae";
    case Reduction::VaeClass:
      return "vae-class";
  }
  return "?";
}

std::string PipelineSpec::method_name() const {
  switch (method) {
    case ClusteringMethod::KMeans:
      return "kmeans";
    case ClusteringMethod::Agglomerative:
      return "agglomerative";
    case ClusteringMethod::Gmm:
      return "gmm";
    case ClusteringMethod::Hdbscan:
      return "hdbscan";
  }
  return "?";
}

std::string PipelineSpec::clustering_name() const {
  switch (method) {
    case ClusteringMethod::KMeans:
      return "kmeans:" + (k == 0 ? std::string("auto") : std::to_string(k));
    case ClusteringMethod::Agglomerative:
      return "agglomerative:" + std::to_string(k) + ":" + to_string(linkage);
    case ClusteringMethod::Gmm:
      return "gmm:" + std::to_string(k) + ":" + to_string(covariance);
    case ClusteringMethod::Hdbscan:
      return "hdbscan:" + std::to_string(min_cluster_size);
  }
  return "?";
}

std::string PipelineSpec::name() const {
  return preprocessing_name() + "+" + reduction_name() + "+" + clustering_name();
}

}  // namespace mutagen
