#pragma once
// Internal helpers of the clustering part: input checks, products through libtorch's BLAS (OpenBLAS
// here; Eigen's own GEMM is single-threaded and 3-5x slower), blocked squared distances.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mutagen::clustering_detail {

// Throws mutagen::Error "<what>: ..." when X has no rows/columns or holds NaN/inf.
void check_finite(const Eigen::MatrixXd& X, const std::string& what);

// While alive, OpenBLAS runs each call on the calling thread (restored afterwards). For code that
// runs its own worker threads: two workers each starting two BLAS threads on two cores spent ~12%
// of the grid's time in sched_yield. And for results that do not depend on the machine: OpenBLAS
// rounds differently on more threads (PCA's products, the VAE encoder's convolutions). No effect
// without OpenBLAS (another BLAS keeps its threads). Not for concurrent use: construct the first
// one before starting threads that construct more.
class OneBlasThread {
 public:
  OneBlasThread();
  ~OneBlasThread();
  OneBlasThread(const OneBlasThread&) = delete;
  OneBlasThread& operator=(const OneBlasThread&) = delete;

 private:
  int saved_ = 0;
};
// Throws when labels.size() != n or a label is < -1.
void check_labels(const std::vector<int64_t>& labels, int64_t n, const std::string& what);

// op(A) * op(B) (op = transpose when the flag is set), large products through BLAS.
Eigen::MatrixXd matmul(const Eigen::Ref<const Eigen::MatrixXd>& A, bool transpose_a,
                       const Eigen::Ref<const Eigen::MatrixXd>& B, bool transpose_b);

// W^T W (symmetric, both triangles filled): BLAS syrk for large inputs (half the work of a GEMM),
// Eigen in this thread for small ones.
Eigen::MatrixXd gram(const Eigen::Ref<const Eigen::MatrixXd>& W);

// X U for an upper-triangular U (the strict lower part of U is ignored): BLAS trmm for large
// inputs (half the work of a GEMM), Eigen in this thread for small ones.
Eigen::MatrixXd times_upper(const Eigen::MatrixXd& X, const Eigen::MatrixXd& U);

// Single-precision W^T W (ssyrk; about twice the speed of dsyrk), returned in double with both
// triangles filled. The float sums are the caller's accuracy trade-off (GMM's mixed precision).
Eigen::MatrixXd gram(const Eigen::Ref<const Eigen::MatrixXf>& W);

// B <- B U in place for an upper-triangular U (strict lower part ignored): BLAS trmm for large
// inputs, Eigen otherwise. In place spares the copy times_upper() makes.
void times_upper_in_place(Eigen::MatrixXd& B, const Eigen::MatrixXd& U);
void times_upper_in_place(Eigen::MatrixXf& B, const Eigen::MatrixXf& U);

// Squared Euclidean distances between the columns of P (d x n, one point per column) in blocks of
// rows: f(r0, r1, D) with D (r1 - r0) x n, D(i, j) = |p_{r0+i} - p_j|^2, clamped at 0 and exactly 0
// on the diagonal. Blocks are visited in increasing order.
void for_each_sq_distance_block(
    const Eigen::MatrixXd& P,
    const std::function<void(int64_t r0, int64_t r1, const Eigen::MatrixXd& D)>& f,
    int64_t block_rows = 256);

// Squared distances from every row of X (n x d) to every row of C (k x d): n x k, clamped at 0.
Eigen::MatrixXd sq_distances_to(const Eigen::MatrixXd& X, const Eigen::VectorXd& x_sq_norms,
                                const Eigen::MatrixXd& C);

// Renumbers cluster labels 0.. in order of first appearance; -1 stays -1.
std::vector<int64_t> canonical_labels(const std::vector<int64_t>& labels);
// Sizes of clusters 0..max (noise excluded); number of -1 in *noise when given.
std::vector<int64_t> cluster_sizes(const std::vector<int64_t>& labels, int64_t* noise = nullptr);

}  // namespace mutagen::clustering_detail
