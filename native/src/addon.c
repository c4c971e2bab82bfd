/*
 * exact_gn_blas: a small Node-API addon over OpenBLAS (BLAS + the LAPACK it ships) for the exact-gn
 * library. Plain C against node_api.h, no other dependency. Every matrix is ROW-MAJOR and passed as a
 * typed array (Float32Array for the single-precision BLAS calls, Float64Array for the rest); every
 * size is checked against the array lengths before OpenBLAS sees a pointer, and a bad argument throws
 * a JS TypeError/RangeError naming it.
 *
 * Exports (all synchronous; OpenBLAS uses its own thread pool):
 *   sgemm(transA, transB, m, n, k, alpha, a, b, beta, c)   c = alpha op(a) op(b) + beta c   (float32)
 *   dgemm(transA, transB, m, n, k, alpha, a, b, beta, c)   the same in float64
 *       op(a) is m x k (a is k x m when transA), op(b) is k x n (b is n x k when transB), c is m x n.
 *   ssyrk(trans, n, k, alpha, a, beta, c)  c = alpha a a^T + beta c (a n x k), or with trans
 *                                       c = alpha a^T a (a k x n); c n x n, both triangles written
 *   dsyevd(a, n, w, vectors)            eigenvalues ascending into w; with vectors, a is overwritten by
 *                                       the eigenvectors AS ROWS (row i = eigenvector of w[i]); info
 *   dsyevr(a, n, vl, vu, w, z)          eigenpairs with vl < lambda <= vu (a destroyed); z receives the
 *                                       eigenvectors as rows (or null: values only); count found
 *   dpotrf(a, n)                        in place: lower Cholesky factor L (row-major, upper triangle
 *                                       zeroed) of the symmetric a; info (0 = ok, > 0 = not PD)
 *   dpotrs(l, n, b, m)                  in place: b (n x m) <- (L L^T)^{-1} b
 *   adam(...), sgd(...)                 fused optimizer updates (see below)
 *   getNumThreads(), setNumThreads(t)
 *
 * Symmetric matrices look the same in row- and column-major order, so LAPACK (column-major) is
 * called directly: a column-major eigenvector matrix read row-major has the eigenvectors as rows, and
 * a column-major UPPER Cholesky factor U (A = U^T U) read row-major is the lower factor L = U^T.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK (Fortran symbols shipped inside libopenblas). */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info);
extern void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a, const int *lda,
                    const double *vl, const double *vu, const int *il, const int *iu, const double *abstol, int *m,
                    double *w, double *z, const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork,
                    const int *liwork, int *info);
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

#define MAX_ARGS 10
#define FAIL(env, call)                    \
  do {                                     \
    if ((call) != napi_ok) return throw_last(env); \
  } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "exact_gn_blas: N-API call failed");
  return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* Reads the call's arguments; throws unless at least `need` were given. */
static int get_args(napi_env env, napi_callback_info cb, size_t need, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, cb, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < need) {
    napi_throw_type_error(env, NULL, "exact_gn_blas: too few arguments");
    return 0;
  }
  return 1;
}

static int get_bool(napi_env env, napi_value v, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "exact_gn_blas: expected a boolean (transpose flag)");
    return 0;
  }
  return 1;
}

/* A non-negative int32 size. */
static int get_size(napi_env env, napi_value v, int *out, const char *what) {
  int64_t x = -1;
  if (napi_get_value_int64(env, v, &x) != napi_ok || x < 0 || x > 0x7fffffff) {
    char msg[160];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s must be an integer in [0, 2^31), got %lld", what, (long long)x);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = (int)x;
  return 1;
}

static int get_double(napi_env env, napi_value v, double *out, const char *what) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[120];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s must be a number", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* The data pointer of a typed array of the given type holding at least `need` elements. */
static void *get_array(napi_env env, napi_value v, napi_typedarray_type want, size_t need, const char *what) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    char msg[160];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s must be a %s", what, want == napi_float32_array ? "Float32Array" : "Float64Array");
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != want) {
    char msg[160];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s must be a %s", what, want == napi_float32_array ? "Float32Array" : "Float64Array");
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  if (length < need) {
    char msg[200];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s holds %zu elements, needs at least %zu", what, length, need);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  /* A zero-length array may report a NULL pointer; BLAS never dereferences it then. */
  static double dummy;
  return data ? data : (void *)&dummy;
}

static napi_value make_int(napi_env env, int64_t x) {
  napi_value out;
  if (napi_create_int64(env, x, &out) != napi_ok) return throw_last(env);
  return out;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

/* Shared argument parsing of sgemm/dgemm. */
typedef struct {
  bool ta, tb;
  int m, n, k;
  double alpha, beta;
  void *a, *b, *c;
} gemm_args;

static int parse_gemm(napi_env env, napi_callback_info cb, napi_typedarray_type type, gemm_args *g) {
  napi_value argv[MAX_ARGS];
  if (!get_args(env, cb, 10, argv)) return 0;
  if (!get_bool(env, argv[0], &g->ta) || !get_bool(env, argv[1], &g->tb)) return 0;
  if (!get_size(env, argv[2], &g->m, "m") || !get_size(env, argv[3], &g->n, "n") || !get_size(env, argv[4], &g->k, "k")) return 0;
  if (!get_double(env, argv[5], &g->alpha, "alpha") || !get_double(env, argv[8], &g->beta, "beta")) return 0;
  size_t m = (size_t)g->m, n = (size_t)g->n, k = (size_t)g->k;
  if (!(g->a = get_array(env, argv[6], type, m * k, "a"))) return 0;
  if (!(g->b = get_array(env, argv[7], type, k * n, "b"))) return 0;
  if (!(g->c = get_array(env, argv[9], type, m * n, "c"))) return 0;
  return 1;
}

static napi_value js_sgemm(napi_env env, napi_callback_info cb) {
  gemm_args g;
  if (!parse_gemm(env, cb, napi_float32_array, &g)) return NULL;
  if (g.m == 0 || g.n == 0) return NULL;
  if (g.k == 0) { /* BLAS leaves c scaled by beta; keep that contract explicit */
    float *c = (float *)g.c;
    for (size_t i = 0; i < (size_t)g.m * (size_t)g.n; i++) c[i] = g.beta == 0 ? 0.0f : (float)(g.beta * c[i]);
    return NULL;
  }
  cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k,
              (float)g.alpha, (const float *)g.a, g.ta ? g.m : g.k, (const float *)g.b, g.tb ? g.k : g.n,
              (float)g.beta, (float *)g.c, g.n);
  return NULL;
}

static napi_value js_dgemm(napi_env env, napi_callback_info cb) {
  gemm_args g;
  if (!parse_gemm(env, cb, napi_float64_array, &g)) return NULL;
  if (g.m == 0 || g.n == 0) return NULL;
  if (g.k == 0) {
    double *c = (double *)g.c;
    for (size_t i = 0; i < (size_t)g.m * (size_t)g.n; i++) c[i] = g.beta == 0 ? 0.0 : g.beta * c[i];
    return NULL;
  }
  cblas_dgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k,
              g.alpha, (const double *)g.a, g.ta ? g.m : g.k, (const double *)g.b, g.tb ? g.k : g.n, g.beta,
              (double *)g.c, g.n);
  return NULL;
}

/* ssyrk(trans, n, k, alpha, a, beta, c): c = alpha op(a) op(a)^T + beta c, both triangles written. */
static napi_value js_ssyrk(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int n, k;
  bool trans;
  double alpha, beta;
  if (!get_args(env, cb, 7, argv)) return NULL;
  if (!get_bool(env, argv[0], &trans)) return NULL;
  if (!get_size(env, argv[1], &n, "n") || !get_size(env, argv[2], &k, "k")) return NULL;
  if (!get_double(env, argv[3], &alpha, "alpha") || !get_double(env, argv[5], &beta, "beta")) return NULL;
  float *a = get_array(env, argv[4], napi_float32_array, (size_t)n * (size_t)k, "a");
  if (!a) return NULL;
  float *c = get_array(env, argv[6], napi_float32_array, (size_t)n * (size_t)n, "c");
  if (!c) return NULL;
  if (n == 0) return NULL;
  if (k == 0) {
    for (size_t i = 0; i < (size_t)n * (size_t)n; i++) c[i] = beta == 0 ? 0.0f : (float)(beta * c[i]);
    return NULL;
  }
  cblas_ssyrk(CblasRowMajor, CblasLower, trans ? CblasTrans : CblasNoTrans, n, k, (float)alpha, a, trans ? n : k, (float)beta, c, n);
  /* mirror the lower triangle into the upper one, in tiles (cache friendly) */
  const size_t N = (size_t)n, B = 64;
  for (size_t i0 = 0; i0 < N; i0 += B) {
    for (size_t j0 = 0; j0 <= i0; j0 += B) {
      size_t i1 = i0 + B < N ? i0 + B : N, j1 = j0 + B < N ? j0 + B : N;
      for (size_t i = i0; i < i1; i++) {
        size_t jend = j1 < i ? j1 : i;
        for (size_t j = j0; j < jend; j++) c[j * N + i] = c[i * N + j];
      }
    }
  }
  return NULL;
}

/* dsyevd(a, n, w, vectors): info. */
static napi_value js_dsyevd(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int n;
  bool vectors;
  if (!get_args(env, cb, 4, argv)) return NULL;
  if (!get_size(env, argv[1], &n, "n") || !get_bool(env, argv[3], &vectors)) return NULL;
  double *a = get_array(env, argv[0], napi_float64_array, (size_t)n * (size_t)n, "a");
  if (!a) return NULL;
  double *w = get_array(env, argv[2], napi_float64_array, (size_t)n, "w");
  if (!w) return NULL;
  if (n == 0) return make_int(env, 0);
  const char jobz = vectors ? 'V' : 'N', uplo = 'L';
  int lwork = -1, liwork = -1, info = 0, iwq = 0;
  double wq = 0;
  dsyevd_(&jobz, &uplo, &n, a, &n, w, &wq, &lwork, &iwq, &liwork, &info);
  if (info != 0) return make_int(env, info);
  lwork = (int)wq + 1;
  liwork = iwq > 1 ? iwq : 1;
  double *work = malloc(sizeof(double) * (size_t)lwork);
  int *iwork = malloc(sizeof(int) * (size_t)liwork);
  if (!work || !iwork) {
    free(work);
    free(iwork);
    return throw_range(env, "exact_gn_blas: dsyevd: out of memory for the workspace");
  }
  dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info);
  free(work);
  free(iwork);
  return make_int(env, info);
}

/* dsyevr(a, n, vl, vu, w, z): eigenpairs in (vl, vu]; count found (throws on LAPACK failure). */
static napi_value js_dsyevr(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int n;
  double vl, vu;
  if (!get_args(env, cb, 6, argv)) return NULL;
  if (!get_size(env, argv[1], &n, "n") || !get_double(env, argv[2], &vl, "vl") || !get_double(env, argv[3], &vu, "vu")) return NULL;
  if (!(vl < vu)) return throw_range(env, "exact_gn_blas: dsyevr needs vl < vu");
  double *a = get_array(env, argv[0], napi_float64_array, (size_t)n * (size_t)n, "a");
  if (!a) return NULL;
  double *w = get_array(env, argv[4], napi_float64_array, (size_t)n, "w");
  if (!w) return NULL;
  double *z = NULL;
  if (!is_nullish(env, argv[5])) {
    z = get_array(env, argv[5], napi_float64_array, (size_t)n * (size_t)n, "z");
    if (!z) return NULL;
  }
  if (n == 0) return make_int(env, 0);
  const char jobz = z ? 'V' : 'N', range = 'V', uplo = 'L';
  const int one = 1;
  const double abstol = 0; /* LAPACK picks its default (eps * |T|) */
  int m = 0, info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0, zdummy = 0;
  int *isuppz = malloc(sizeof(int) * 2 * (size_t)n);
  if (!isuppz) return throw_range(env, "exact_gn_blas: dsyevr: out of memory");
  double *zz = z ? z : &zdummy;
  const int ldz = z ? n : 1;
  dsyevr_(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &one, &one, &abstol, &m, w, zz, &ldz, isuppz, &wq, &lwork, &iwq, &liwork, &info);
  if (info == 0) {
    lwork = (int)wq + 1;
    liwork = iwq > 1 ? iwq : 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    int *iwork = malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) {
      free(work);
      free(iwork);
      free(isuppz);
      return throw_range(env, "exact_gn_blas: dsyevr: out of memory for the workspace");
    }
    dsyevr_(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &one, &one, &abstol, &m, w, zz, &ldz, isuppz, work, &lwork, iwork, &liwork, &info);
    free(work);
    free(iwork);
  }
  free(isuppz);
  if (info != 0) {
    char msg[120];
    snprintf(msg, sizeof msg, "exact_gn_blas: dsyevr failed (info = %d)", info);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  return make_int(env, m);
}

/* dpotrf(a, n): info; on success a holds the row-major lower factor with zeros above. */
static napi_value js_dpotrf(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int n;
  if (!get_args(env, cb, 2, argv)) return NULL;
  if (!get_size(env, argv[1], &n, "n")) return NULL;
  double *a = get_array(env, argv[0], napi_float64_array, (size_t)n * (size_t)n, "a");
  if (!a) return NULL;
  if (n == 0) return make_int(env, 0);
  const char uplo = 'U'; /* column-major upper == row-major lower */
  int info = 0;
  dpotrf_(&uplo, &n, a, &n, &info);
  if (info == 0) {
    const size_t N = (size_t)n;
    for (size_t i = 0; i < N; i++) memset(a + i * N + i + 1, 0, sizeof(double) * (N - i - 1));
  }
  return make_int(env, info);
}

/* dpotrs(l, n, b, m): b <- (L L^T)^{-1} b for the row-major n x m b. */
static napi_value js_dpotrs(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int n, m;
  if (!get_args(env, cb, 4, argv)) return NULL;
  if (!get_size(env, argv[1], &n, "n") || !get_size(env, argv[3], &m, "m")) return NULL;
  double *l = get_array(env, argv[0], napi_float64_array, (size_t)n * (size_t)n, "l");
  if (!l) return NULL;
  double *b = get_array(env, argv[2], napi_float64_array, (size_t)n * (size_t)m, "b");
  if (!b) return NULL;
  if (n == 0 || m == 0) return NULL;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, l, n, b, m);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, m, 1.0, l, n, b, m);
  return NULL;
}

/*
 * Elementwise float32 kernels (single-threaded, vectorized; compiled for AVX2 and a generic x86-64
 * fallback chosen at load time). Every operation rounds exactly like JS on Float32Arrays (IEEE
 * float32 +, -, *, /, sqrt are correctly rounded, as is double-then-round), so results are
 * bit-identical to the tfjs cpu kernels.
 *   binary(op, mode, a, b, out, m): op 0 add, 1 sub, 2 mul, 3 div; mode 0 same length, 1 b scalar,
 *       2 a scalar, 3 b (length m) repeated along out, 4 a (length m) repeated along out
 *   unary(op, x, out, alpha): op 0 relu (max(0, v), NaN kept), 1 step (1 if v > 0, NaN kept, else
 *       alpha), 2 square, 3 sqrt
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

#define BIN_LOOPS(NAME, EXPR)                                                                         \
  CLONES static void NAME(int mode, const float *restrict a, const float *restrict b, float *restrict o, \
                          size_t n, size_t m) {                                                       \
    if (mode == 0) {                                                                                  \
      for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = EXPR; }                        \
    } else if (mode == 1) {                                                                           \
      const float y = b[0];                                                                           \
      for (size_t i = 0; i < n; i++) { float x = a[i]; o[i] = EXPR; }                                  \
    } else if (mode == 2) {                                                                           \
      const float x = a[0];                                                                           \
      for (size_t i = 0; i < n; i++) { float y = b[i]; o[i] = EXPR; }                                  \
    } else if (mode == 3) {                                                                           \
      for (size_t r = 0; r < n; r += m)                                                               \
        for (size_t j = 0; j < m; j++) { float x = a[r + j], y = b[j]; o[r + j] = EXPR; }              \
    } else {                                                                                          \
      for (size_t r = 0; r < n; r += m)                                                               \
        for (size_t j = 0; j < m; j++) { float x = a[j], y = b[r + j]; o[r + j] = EXPR; }              \
    }                                                                                                 \
  }
BIN_LOOPS(ew_add, x + y)
BIN_LOOPS(ew_sub, x - y)
BIN_LOOPS(ew_mul, x * y)
BIN_LOOPS(ew_div, x / y)

CLONES static void ew_relu(const float *restrict x, float *restrict o, size_t n) {
  for (size_t i = 0; i < n; i++) { float v = x[i]; o[i] = v > 0.0f ? v : (v != v ? v : 0.0f); }
}
CLONES static void ew_step(const float *restrict x, float *restrict o, size_t n, float alpha) {
  for (size_t i = 0; i < n; i++) { float v = x[i]; o[i] = v > 0.0f ? 1.0f : (v != v ? v : alpha); }
}
CLONES static void ew_square(const float *restrict x, float *restrict o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = x[i] * x[i];
}
CLONES static void ew_sqrt(const float *restrict x, float *restrict o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = __builtin_sqrtf(x[i]);
}

/* Length of a Float32Array argument (throws when it is not one). */
static float *f32_arg(napi_env env, napi_value v, size_t *len, const char *what) {
  bool is = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    char msg[120];
    snprintf(msg, sizeof msg, "exact_gn_blas: %s must be a Float32Array", what);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  static float dummy;
  return data ? (float *)data : &dummy;
}

static napi_value js_binary(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int op, mode, m;
  size_t na, nb, no;
  if (!get_args(env, cb, 6, argv)) return NULL;
  if (!get_size(env, argv[0], &op, "op") || !get_size(env, argv[1], &mode, "mode") || !get_size(env, argv[5], &m, "m")) return NULL;
  const float *a = f32_arg(env, argv[2], &na, "a");
  if (!a) return NULL;
  const float *b = f32_arg(env, argv[3], &nb, "b");
  if (!b) return NULL;
  float *o = f32_arg(env, argv[4], &no, "out");
  if (!o) return NULL;
  if (op > 3 || mode > 4) return throw_range(env, "exact_gn_blas: binary op must be 0..3 and mode 0..4");
  bool ok = mode == 0   ? na >= no && nb >= no
            : mode == 1 ? na >= no && nb >= 1
            : mode == 2 ? na >= 1 && nb >= no
            : mode == 3 ? m > 0 && no % (size_t)m == 0 && na >= no && nb >= (size_t)m
                        : m > 0 && no % (size_t)m == 0 && na >= (size_t)m && nb >= no;
  if (!ok) return throw_range(env, "exact_gn_blas: binary: array lengths do not fit the mode");
  if (no == 0) return NULL;
  void (*const fns[])(int, const float *, const float *, float *, size_t, size_t) = {ew_add, ew_sub, ew_mul, ew_div};
  fns[op](mode, a, b, o, no, (size_t)(m > 0 ? m : 1));
  return NULL;
}

static napi_value js_unary(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int op;
  double alpha;
  size_t nx, no;
  if (!get_args(env, cb, 4, argv)) return NULL;
  if (!get_size(env, argv[0], &op, "op") || !get_double(env, argv[3], &alpha, "alpha")) return NULL;
  const float *x = f32_arg(env, argv[1], &nx, "x");
  if (!x) return NULL;
  float *o = f32_arg(env, argv[2], &no, "out");
  if (!o) return NULL;
  if (op > 3) return throw_range(env, "exact_gn_blas: unary op must be 0..3");
  if (nx < no) return throw_range(env, "exact_gn_blas: unary: x is shorter than out");
  if (op == 0) ew_relu(x, o, no);
  else if (op == 1) ew_step(x, o, no, (float)alpha);
  else if (op == 2) ew_square(x, o, no);
  else ew_sqrt(x, o, no);
  return NULL;
}

/*
 * Fused optimizer updates (one pass over each parameter), in float32 with every scalar rounded to
 * float32 first and the operations in the order of the tfjs ops they replace (src/optim), so the
 * results are bit-identical to them:
 *   adam(w, g, m, v, outW, outM, outV, s)  s = Float64Array [lr, b1, b2, c1, c2, eps, wd]:
 *       g' = g + wd w (wd > 0), m' = m b1 + g' (1 - b1), v' = v b2 + g'^2 (1 - b2),
 *       w' = w - lr ((m' / c1) / (sqrt(v' / c2) + eps))
 *   sgd(w, g, outW, s)                     s = Float64Array [lr, wd]:  w' = w - lr (g + wd w)
 * Outputs may alias their inputs.
 */
CLONES static void adam_loop(const float *w, const float *g, const float *m, const float *v, float *ow, float *om,
                             float *ov, size_t n, const double *s) {
  const float lr = (float)s[0], b1 = (float)s[1], b2 = (float)s[2], c1 = (float)s[3], c2 = (float)s[4],
              eps = (float)s[5], wd = (float)s[6];
  const float nb1 = (float)(1 - s[1]), nb2 = (float)(1 - s[2]);
  const int decay = s[6] > 0;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i];
    if (decay) gi = gi + w[i] * wd;
    const float mi = m[i] * b1 + gi * nb1;
    const float vi = v[i] * b2 + (gi * gi) * nb2;
    const float upd = (mi / c1) / (__builtin_sqrtf(vi / c2) + eps);
    ow[i] = w[i] - upd * lr;
    om[i] = mi;
    ov[i] = vi;
  }
}

CLONES static void sgd_loop(const float *w, const float *g, float *ow, size_t n, const double *s) {
  const float lr = (float)s[0], wd = (float)s[1];
  if (s[1] > 0) {
    for (size_t i = 0; i < n; i++) ow[i] = w[i] - (g[i] + w[i] * wd) * lr;
  } else {
    for (size_t i = 0; i < n; i++) ow[i] = w[i] - g[i] * lr;
  }
}

static napi_value js_adam(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  if (!get_args(env, cb, 8, argv)) return NULL;
  size_t n = 0, len = 0;
  const float *w = f32_arg(env, argv[0], &n, "w");
  if (!w) return NULL;
  const char *names[] = {"w", "g", "m", "v", "outW", "outM", "outV"};
  float *arr[7];
  arr[0] = (float *)w;
  for (int i = 1; i < 7; i++) {
    arr[i] = f32_arg(env, argv[i], &len, names[i]);
    if (!arr[i]) return NULL;
    if (len != n) return throw_range(env, "exact_gn_blas: adam: w, g, m, v and the outputs must have the same length");
  }
  double *sc = get_array(env, argv[7], napi_float64_array, 7, "s");
  if (!sc) return NULL;
  adam_loop(arr[0], arr[1], arr[2], arr[3], arr[4], arr[5], arr[6], n, sc);
  return NULL;
}

static napi_value js_sgd(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  if (!get_args(env, cb, 4, argv)) return NULL;
  size_t n = 0, ng = 0, no = 0;
  const float *w = f32_arg(env, argv[0], &n, "w");
  if (!w) return NULL;
  const float *g = f32_arg(env, argv[1], &ng, "g");
  if (!g) return NULL;
  float *o = f32_arg(env, argv[2], &no, "outW");
  if (!o) return NULL;
  if (ng != n || no != n) return throw_range(env, "exact_gn_blas: sgd: w, g and outW must have the same length");
  double *sc = get_array(env, argv[3], napi_float64_array, 2, "s");
  if (!sc) return NULL;
  sgd_loop(w, g, o, n, sc);
  return NULL;
}

static napi_value js_get_threads(napi_env env, napi_callback_info cb) {
  (void)cb;
  return make_int(env, openblas_get_num_threads());
}

static napi_value js_set_threads(napi_env env, napi_callback_info cb) {
  napi_value argv[MAX_ARGS];
  int t;
  if (!get_args(env, cb, 1, argv)) return NULL;
  if (!get_size(env, argv[0], &t, "threads")) return NULL;
  if (t < 1) return throw_range(env, "exact_gn_blas: threads must be >= 1");
  openblas_set_num_threads(t);
  return NULL;
}

static napi_value js_config(napi_env env, napi_callback_info cb) {
  (void)cb;
  napi_value out;
  FAIL(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"sgemm", js_sgemm},   {"dgemm", js_dgemm},   {"ssyrk", js_ssyrk},
      {"dsyevd", js_dsyevd}, {"dsyevr", js_dsyevr}, {"dpotrf", js_dpotrf},
      {"dpotrs", js_dpotrs}, {"getNumThreads", js_get_threads}, {"setNumThreads", js_set_threads},
      {"config", js_config}, {"binary", js_binary}, {"unary", js_unary},
      {"adam", js_adam},     {"sgd", js_sgd},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    FAIL(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
    FAIL(env, napi_set_named_property(env, exports, fns[i].name, f));
  }
  (void)throw_type;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
