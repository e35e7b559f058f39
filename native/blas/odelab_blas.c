/*
 * odelab's optional native matrix kernels: row-major GEMM from OpenBLAS
 * (cblas_sgemm / cblas_dgemm) on typed arrays, through Node-API only (no
 * node-addon-api), plus OpenBLAS's thread count. Loaded by
 * core/tensor/kernels.ts when built; see docs/kernels.md.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdbool.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>

/* glibc's vector tanh (libmvec), which GCC calls for the loops below: 2 doubles or 4 floats at a time on any x86-64. */
__attribute__((simd("notinbranch"))) extern double tanh(double);
__attribute__((simd("notinbranch"))) extern float tanhf(float);

/* OpenBLAS's own entry points (declared in its cblas.h on Debian; repeated for other headers). */
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "ODELAB_BLAS", "odelab-blas: " #call " failed"); \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

static bool typed(napi_env env, napi_value v, napi_typedarray_type *type, void **data, size_t *length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, type, length, data, &buffer, &offset) == napi_ok;
}

/* gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha op(A) op(B) + beta C, row-major;
 * A, B, C all Float32Array (sgemm) or all Float64Array (dgemm). Lengths are checked against the shapes. */
static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    napi_throw_type_error(env, NULL, "odelab-blas gemm: 13 arguments");
    return NULL;
  }
  bool ta, tb;
  int32_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int32(env, argv[2], &m));
  CHECK(napi_get_value_int32(env, argv[3], &n));
  CHECK(napi_get_value_int32(env, argv[4], &k));
  CHECK(napi_get_value_double(env, argv[5], &alpha));
  CHECK(napi_get_value_int32(env, argv[7], &lda));
  CHECK(napi_get_value_int32(env, argv[9], &ldb));
  CHECK(napi_get_value_double(env, argv[10], &beta));
  CHECK(napi_get_value_int32(env, argv[12], &ldc));
  napi_typedarray_type at, bt, ct;
  void *a, *b, *c;
  size_t al, bl, cl;
  if (!typed(env, argv[6], &at, &a, &al) || !typed(env, argv[8], &bt, &b, &bl) || !typed(env, argv[11], &ct, &c, &cl) || at != bt ||
      bt != ct || (at != napi_float32_array && at != napi_float64_array)) {
    napi_throw_type_error(env, NULL, "odelab-blas gemm: A, B, C must all be Float32Array or all Float64Array");
    return NULL;
  }
  if (m < 0 || n < 0 || k < 0) {
    napi_throw_range_error(env, NULL, "odelab-blas gemm: negative size");
    return NULL;
  }
  /* Rows x cols of op(A) is m x k, so A is stored as m x k (or k x m when transposed), row-major with leading dimension lda. */
  size_t aRows = ta ? (size_t)k : (size_t)m, aCols = ta ? (size_t)m : (size_t)k;
  size_t bRows = tb ? (size_t)n : (size_t)k, bCols = tb ? (size_t)k : (size_t)n;
  if ((size_t)lda < (aCols ? aCols : 1) || (size_t)ldb < (bCols ? bCols : 1) || (size_t)ldc < ((size_t)n ? (size_t)n : 1) ||
      (aRows && al < (aRows - 1) * (size_t)lda + aCols) || (bRows && bl < (bRows - 1) * (size_t)ldb + bCols) ||
      (m && cl < ((size_t)m - 1) * (size_t)ldc + (size_t)n)) {
    napi_throw_range_error(env, NULL, "odelab-blas gemm: an array is shorter than its shape");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  if (at == napi_float32_array)
    cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, (float)alpha, (const float *)a, lda, (const float *)b, ldb, (float)beta, (float *)c, ldc);
  else
    cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, alpha, (const double *)a, lda, (const double *)b, ldb, beta, (double *)c, ldc);
  return NULL;
}

/* Compiled for AVX-512, AVX2 and baseline x86-64, chosen at load by the CPU: the wider clones call libmvec's wider
 * tanh (8 or 16 floats at a time instead of 4). */
#if defined(__x86_64__)
#define WIDE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDE_CLONES
#endif

WIDE_CLONES static void tanh_in_place64(double *a, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = tanh(a[i]);
}

WIDE_CLONES static void tanh_in_place32(float *a, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = tanhf(a[i]);
}

/* tanhInPlace(a: Float32Array | Float64Array): a = tanh(a), element-wise (libmvec: within a few ulps of libm's tanh). */
static napi_value tanh_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type t;
  void *data;
  size_t length;
  if (argc != 1 || !typed(env, argv[0], &t, &data, &length) || (t != napi_float64_array && t != napi_float32_array)) {
    napi_throw_type_error(env, NULL, "odelab-blas tanhInPlace: one Float32Array or Float64Array");
    return NULL;
  }
  if (t == napi_float64_array) tanh_in_place64((double *)data, length);
  else tanh_in_place32((float *)data, length);
  return NULL;
}

/* tanhBackward(g, a): g *= 1 - a², element-wise (tanh's derivative from its value), both Float32Array or both Float64Array. */
static napi_value tanh_backward(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type gt, at;
  void *g, *a;
  size_t gl, al;
  if (argc != 2 || !typed(env, argv[0], &gt, &g, &gl) || !typed(env, argv[1], &at, &a, &al) || gt != at ||
      (gt != napi_float64_array && gt != napi_float32_array)) {
    napi_throw_type_error(env, NULL, "odelab-blas tanhBackward: two Float32Arrays or two Float64Arrays");
    return NULL;
  }
  if (al < gl) {
    napi_throw_range_error(env, NULL, "odelab-blas tanhBackward: a is shorter than g");
    return NULL;
  }
  if (gt == napi_float64_array) {
    double *gd = g;
    const double *ad = a;
    for (size_t i = 0; i < gl; i++) gd[i] *= 1 - ad[i] * ad[i];
  } else {
    float *gf = g;
    const float *af = a;
    for (size_t i = 0; i < gl; i++) gf[i] *= 1 - af[i] * af[i];
  }
  return NULL;
}

/* columnSums(g: Float32Array [rows, cols], rows, cols, out: Float64Array [cols], accumulate): out (+)= the column sums
 * of g, summed in double (a bias gradient over a large batch). */
static napi_value column_sums(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type gt, ot;
  void *g, *o;
  size_t gl, ol;
  int32_t rows, cols;
  bool accumulate;
  if (argc != 5 || !typed(env, argv[0], &gt, &g, &gl) || !typed(env, argv[3], &ot, &o, &ol) || gt != napi_float32_array ||
      (ot != napi_float64_array && ot != napi_float32_array)) {
    napi_throw_type_error(env, NULL, "odelab-blas columnSums: g a Float32Array, out a Float32Array or Float64Array");
    return NULL;
  }
  CHECK(napi_get_value_int32(env, argv[1], &rows));
  CHECK(napi_get_value_int32(env, argv[2], &cols));
  CHECK(napi_get_value_bool(env, argv[4], &accumulate));
  if (rows < 0 || cols < 0 || gl < (size_t)rows * (size_t)cols || ol < (size_t)cols) {
    napi_throw_range_error(env, NULL, "odelab-blas columnSums: an array is shorter than its shape");
    return NULL;
  }
  const float *gf = g;
  /* Summed row by row into a double accumulator: contiguous reads, and the inner loop vectorises. */
  double stack[1024];
  double *acc = cols <= 1024 ? stack : calloc((size_t)cols, sizeof(double));
  if (!acc) {
    napi_throw_error(env, NULL, "odelab-blas columnSums: out of memory");
    return NULL;
  }
  for (int32_t c = 0; c < cols; c++) acc[c] = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *row = gf + (size_t)r * (size_t)cols;
    for (int32_t c = 0; c < cols; c++) acc[c] += row[c];
  }
  if (ot == napi_float64_array) {
    double *od = o;
    for (int32_t c = 0; c < cols; c++) od[c] = accumulate ? od[c] + acc[c] : acc[c];
  } else {
    float *of = o;
    for (int32_t c = 0; c < cols; c++) of[c] = (float)(accumulate ? of[c] + acc[c] : acc[c]);
  }
  if (acc != stack) free(acc);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &n));
  if (n < 1) n = 1;
  openblas_set_num_threads(n);
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  (void)info;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value config(napi_env env, napi_callback_info info) {
  napi_value out;
  (void)info;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value core_name(napi_env env, napi_callback_info info) {
  napi_value out;
  (void)info;
  CHECK(napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tanhInPlace", NULL, tanh_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tanhBackward", NULL, tanh_backward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"columnSums", NULL, column_sums, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_enumerable, NULL},
      {"coreName", NULL, core_name, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
