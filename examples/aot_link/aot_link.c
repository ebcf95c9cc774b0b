/*===- aot_link.c - a C program running an ahead-of-time kernel ----------===//
 *
 * The kernel was built by `sparsac --target=cpu --emit=so` from
 * examples/patterns/sliding_window.sparsa; this program links only
 * libsparsa_runtime (no MLIR, no LLVM), loads the kernel, runs it with two
 * window sizes and checks it against a dense loop.
 *
 *===----------------------------------------------------------------------===*/

#include "sparsa/c/sparsa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { B = 1, H = 2, N = 300, D = 64 };

static float frand(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Largest |o - reference| for causal & window(w, 0). */
static double check(const float *q, const float *k, const float *v,
                    const float *o, long w) {
  double maxErr = 0, *p = malloc(sizeof(double) * N);
  for (int h = 0; h < H; ++h)
    for (long i = 0; i < N; ++i) {
      long lo = i - w < 0 ? 0 : i - w;
      double m = -INFINITY, sum = 0;
      for (long j = lo; j <= i; ++j) {
        double dot = 0;
        for (int d = 0; d < D; ++d)
          dot += q[(h * N + i) * D + d] * k[(h * N + j) * D + d];
        p[j] = dot / sqrt((double)D);
        if (p[j] > m)
          m = p[j];
      }
      for (long j = lo; j <= i; ++j)
        sum += p[j] = exp(p[j] - m);
      for (int d = 0; d < D; ++d) {
        double want = 0;
        for (long j = lo; j <= i; ++j)
          want += p[j] / sum * v[(h * N + j) * D + d];
        double err = fabs(want - o[(h * N + i) * D + d]);
        if (err > maxErr)
          maxErr = err;
      }
    }
  free(p);
  return maxErr;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "sliding_window.so";
  sparsa_kernel *kernel = NULL;
  if (sparsa_kernel_load(path, NULL, &kernel) != SPARSA_OK) {
    fprintf(stderr, "%s\n", sparsa_last_error());
    return 1;
  }
  printf("kernel %s: head_dim %lld, %d parameter(s), first %s\n",
         sparsa_kernel_name(kernel), (long long)sparsa_kernel_head_dim(kernel),
         sparsa_kernel_num_params(kernel), sparsa_kernel_param_name(kernel, 0));
  size_t n = (size_t)B * H * N * D;
  float *q = malloc(n * sizeof(float)), *k = malloc(n * sizeof(float)),
        *v = malloc(n * sizeof(float)), *o = malloc(n * sizeof(float));
  unsigned seed = 1;
  for (size_t i = 0; i < n; ++i) {
    q[i] = frand(&seed);
    k[i] = frand(&seed);
    v[i] = frand(&seed);
  }
  int64_t shape[4] = {B, H, N, D};
  sparsa_tensor tq = sparsa_tensor_f32(q, 4, shape),
                tk = sparsa_tensor_f32(k, 4, shape),
                tv = sparsa_tensor_f32(v, 4, shape),
                to = sparsa_tensor_f32(o, 4, shape);
  const char *names[] = {"W"};
  int ok = 1;
  for (int64_t w = 10; w <= 200; w += 190) {
    if (sparsa_kernel_run(kernel, &tq, &tk, &tv, &to, NULL, names, &w, 1, 0,
                          0) != SPARSA_OK) {
      fprintf(stderr, "%s\n", sparsa_last_error());
      return 1;
    }
    double err = check(q, k, v, o, (long)w);
    printf("W=%lld: max_abs_err %.3g\n", (long long)w, err);
    ok &= err < 1e-4;
  }
  /* A mistake is an error message, not a crash. */
  if (sparsa_kernel_run(kernel, &tq, &tk, &tv, &to, NULL, NULL, NULL, 0, 0,
                        0) == SPARSA_OK)
    ok = 0;
  printf("expected error: %s\n", sparsa_last_error());
  sparsa_kernel_free(kernel);
  free(q);
  free(k);
  free(v);
  free(o);
  printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
