#include "linalg.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <map>

#include "mutagen/error.h"

namespace mutagen::clustering_detail {

void check_finite(const Eigen::MatrixXd& X, const std::string& what) {
  if (X.rows() == 0 || X.cols() == 0)
    throw Error(what + ": the data is empty (" + std::to_string(X.rows()) + " samples x " +
                std::to_string(X.cols()) + " features); expected at least one of each");
  if (!X.allFinite()) {
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      for (Eigen::Index i = 0; i < X.rows(); ++i)
        if (!std::isfinite(X(i, j)))
          throw Error(what + ": sample " + std::to_string(i) + ", feature " + std::to_string(j) +
                      " is NaN or infinite; expected finite values");
  }
}

void check_labels(const std::vector<int64_t>& labels, int64_t n, const std::string& what) {
  if (static_cast<int64_t>(labels.size()) != n)
    throw Error(what + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                " samples; expected one label per sample");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < -1)
      throw Error(what + ": label " + std::to_string(labels[i]) + " at sample " +
                  std::to_string(i) + "; expected a cluster id >= 0 or -1 (noise)");
}

namespace {
// A column-major Eigen matrix seen as its transpose in row-major torch layout (no copy).
torch::Tensor as_transposed_tensor(const Eigen::Ref<const Eigen::MatrixXd>& A) {
  return torch::from_blob(const_cast<double*>(A.data()), {A.cols(), A.rows()}, {A.outerStride(), 1},
                          torch::kFloat64);
}
}  // namespace

Eigen::MatrixXd matmul(const Eigen::Ref<const Eigen::MatrixXd>& A, bool transpose_a,
                       const Eigen::Ref<const Eigen::MatrixXd>& B, bool transpose_b) {
  const int64_t m = transpose_a ? A.cols() : A.rows();
  const int64_t k = transpose_a ? A.rows() : A.cols();
  const int64_t kb = transpose_b ? B.cols() : B.rows();
  const int64_t n = transpose_b ? B.rows() : B.cols();
  if (k != kb) throw Error("matmul: inner dimensions differ (internal error)");
  Eigen::MatrixXd C(m, n);
  if (m == 0 || n == 0) return C;
  if (k == 0) {
    C.setZero();
    return C;
  }
  // Small or skinny products (e.g. n x k distances to k <= 5 centres): Eigen in this thread. The
  // threaded BLAS only pays off when every dimension is large enough to split.
  if (m * n * k < 4000000 || std::min({m, n, k}) < 16) {
    if (!transpose_a && !transpose_b) C.noalias() = A * B;
    if (transpose_a && !transpose_b) C.noalias() = A.transpose() * B;
    if (!transpose_a && transpose_b) C.noalias() = A * B.transpose();
    if (transpose_a && transpose_b) C.noalias() = A.transpose() * B.transpose();
    return C;
  }
  // C^T = op(B)^T op(A)^T; tA = A^T and tB = B^T as row-major tensors.
  torch::NoGradGuard no_grad;
  torch::Tensor tA = as_transposed_tensor(A), tB = as_transposed_tensor(B);
  torch::Tensor left = transpose_b ? tB.t() : tB;   // op(B)^T: n x k
  torch::Tensor right = transpose_a ? tA.t() : tA;  // op(A)^T: k x m
  torch::Tensor out = torch::from_blob(C.data(), {n, m}, torch::kFloat64);
  torch::mm_out(out, left, right);
  return C;
}

namespace {

// syrk and trmm from the BLAS that libtorch already loaded (libblas.so.3: OpenBLAS here). libtorch
// exposes neither; looking them up at run time avoids a second BLAS dependency in the build. Null
// when absent: the callers fall back to a GEMM / Eigen.
using SyrkFn = void (*)(const char*, const char*, const int*, const int*, const double*,
                        const double*, const int*, const double*, double*, const int*);
using TrmmFn = void (*)(const char*, const char*, const char*, const char*, const int*, const int*,
                        const double*, const double*, const int*, double*, const int*);

using SsyrkFn = void (*)(const char*, const char*, const int*, const int*, const float*,
                         const float*, const int*, const float*, float*, const int*);
using StrmmFn = void (*)(const char*, const char*, const char*, const char*, const int*, const int*,
                         const float*, const float*, const int*, float*, const int*);

struct Blas {
  SyrkFn syrk = nullptr;
  TrmmFn trmm = nullptr;
  SsyrkFn ssyrk = nullptr;
  StrmmFn strmm = nullptr;
  int (*get_threads)() = nullptr;
  void (*set_threads)(int) = nullptr;
  Blas() {
    torch::zeros({1});  // make sure libtorch (and with it the BLAS) is loaded and initialised
    syrk = reinterpret_cast<SyrkFn>(dlsym(RTLD_DEFAULT, "dsyrk_"));
    trmm = reinterpret_cast<TrmmFn>(dlsym(RTLD_DEFAULT, "dtrmm_"));
    ssyrk = reinterpret_cast<SsyrkFn>(dlsym(RTLD_DEFAULT, "ssyrk_"));
    strmm = reinterpret_cast<StrmmFn>(dlsym(RTLD_DEFAULT, "strmm_"));
    get_threads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    set_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  }
};

const Blas& blas() {
  static const Blas b;
  return b;
}

}  // namespace

OneBlasThread::OneBlasThread() {
  const Blas& b = blas();
  if (b.get_threads && b.set_threads) {
    saved_ = b.get_threads();
    if (saved_ > 1) b.set_threads(1);
  }
}

OneBlasThread::~OneBlasThread() {
  if (saved_ > 1) blas().set_threads(saved_);
}

namespace {

bool large(int64_t m, int64_t n, int64_t k) {
  return m * n * k >= 4000000 && std::min({m, n, k}) >= 16 &&
         std::max({m, n, k}) < int64_t(std::numeric_limits<int>::max());
}

}  // namespace

Eigen::MatrixXd gram(const Eigen::Ref<const Eigen::MatrixXd>& W) {
  const int64_t n = W.rows(), d = W.cols();
  if (!large(d, d, n) || !blas().syrk) return matmul(W, true, W, false);
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(d, d);
  const int nd = int(d), nn = int(n), lda = int(W.outerStride()), ldc = int(d);
  const double one = 1.0, zero = 0.0;
  blas().syrk("U", "T", &nd, &nn, &one, W.data(), &lda, &zero, C.data(), &ldc);
  C.triangularView<Eigen::StrictlyLower>() = C.transpose();
  return C;
}

Eigen::MatrixXd times_upper(const Eigen::MatrixXd& X, const Eigen::MatrixXd& U) {
  const int64_t n = X.rows(), d = X.cols();
  if (U.rows() != d || U.cols() != d)
    throw Error("times_upper: shapes do not match (internal error)");
  Eigen::MatrixXd B = X;
  if (!large(n, d, d) || !blas().trmm) {
    if (n * d * d < 4000000) {
      B = X * U.triangularView<Eigen::Upper>();
      return B;
    }
    const Eigen::MatrixXd Uu = U.triangularView<Eigen::Upper>();
    return matmul(X, false, Uu, false);
  }
  const int m = int(n), nd = int(d), lda = int(d), ldb = int(n);
  const double one = 1.0;
  blas().trmm("R", "U", "N", "N", &m, &nd, &one, U.data(), &lda, B.data(), &ldb);
  return B;
}

Eigen::MatrixXd gram(const Eigen::Ref<const Eigen::MatrixXf>& W) {
  const int64_t n = W.rows(), d = W.cols();
  Eigen::MatrixXf C;
  if (!large(d, d, n) || !blas().ssyrk) {
    C.noalias() = W.transpose() * W;
    return C.cast<double>();
  }
  C = Eigen::MatrixXf::Zero(d, d);
  const int nd = int(d), nn = int(n), lda = int(W.outerStride()), ldc = int(d);
  const float one = 1.0f, zero = 0.0f;
  blas().ssyrk("U", "T", &nd, &nn, &one, W.data(), &lda, &zero, C.data(), &ldc);
  C.triangularView<Eigen::StrictlyLower>() = C.transpose();
  return C.cast<double>();
}

namespace {
template <class Matrix, class Fn>
void trmm_in_place(Matrix& B, const Matrix& U, Fn fn) {
  const int64_t n = B.rows(), d = B.cols();
  if (U.rows() != d || U.cols() != d)
    throw Error("times_upper_in_place: shapes do not match (internal error)");
  if (!large(n, d, d) || !fn) {
    B = B * U.template triangularView<Eigen::Upper>();
    return;
  }
  using S = typename Matrix::Scalar;
  const int m = int(n), nd = int(d), lda = int(d), ldb = int(n);
  const S one = 1;
  fn("R", "U", "N", "N", &m, &nd, &one, U.data(), &lda, B.data(), &ldb);
}
}  // namespace

void times_upper_in_place(Eigen::MatrixXd& B, const Eigen::MatrixXd& U) {
  trmm_in_place(B, U, blas().trmm);
}

void times_upper_in_place(Eigen::MatrixXf& B, const Eigen::MatrixXf& U) {
  trmm_in_place(B, U, blas().strmm);
}

void for_each_sq_distance_block(
    const Eigen::MatrixXd& P,
    const std::function<void(int64_t, int64_t, const Eigen::MatrixXd&)>& f, int64_t block_rows) {
  const int64_t n = P.cols();
  const Eigen::VectorXd norms = P.colwise().squaredNorm().transpose();
  Eigen::MatrixXd D;
  for (int64_t r0 = 0; r0 < n; r0 += block_rows) {
    const int64_t r1 = std::min(n, r0 + block_rows), b = r1 - r0;
    D = matmul(P.middleCols(r0, b), true, P, false);  // b x n inner products
    for (int64_t j = 0; j < n; ++j) {
      const double nj = norms(j);
      double* col = D.col(j).data();
      for (int64_t i = 0; i < b; ++i) {
        const double v = norms(r0 + i) + nj - 2.0 * col[i];
        col[i] = v > 0.0 ? v : 0.0;
      }
    }
    for (int64_t i = 0; i < b; ++i) D(i, r0 + i) = 0.0;
    f(r0, r1, D);
  }
}

Eigen::MatrixXd sq_distances_to(const Eigen::MatrixXd& X, const Eigen::VectorXd& x_sq_norms,
                                const Eigen::MatrixXd& C) {
  Eigen::MatrixXd D = matmul(X, false, C, true);  // n x k
  const Eigen::VectorXd cn = C.rowwise().squaredNorm();
  for (Eigen::Index j = 0; j < D.cols(); ++j)
    for (Eigen::Index i = 0; i < D.rows(); ++i) {
      const double v = x_sq_norms(i) + cn(j) - 2.0 * D(i, j);
      D(i, j) = v > 0.0 ? v : 0.0;
    }
  return D;
}

std::vector<int64_t> canonical_labels(const std::vector<int64_t>& labels) {
  std::map<int64_t, int64_t> ids;
  std::vector<int64_t> out(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) {
      out[i] = -1;
      continue;
    }
    auto it = ids.find(labels[i]);
    if (it == ids.end()) it = ids.emplace(labels[i], static_cast<int64_t>(ids.size())).first;
    out[i] = it->second;
  }
  return out;
}

std::vector<int64_t> cluster_sizes(const std::vector<int64_t>& labels, int64_t* noise) {
  std::map<int64_t, int64_t> counts;
  int64_t nn = 0;
  for (int64_t l : labels) {
    if (l < 0)
      ++nn;
    else
      ++counts[l];
  }
  if (noise) *noise = nn;
  std::vector<int64_t> out;
  for (const auto& [id, c] : counts) out.push_back(c);
  return out;
}

}  // namespace mutagen::clustering_detail
