/* Links a shared-library kernel from sparsa-cpu-aot into a plain C program:
   random inputs, outputs poisoned with NaN, the work split into two calls,
   checked against a double-precision loop over the window mask. Then the
   kernel runs again with merge = 1 into its own output: merging a softmax
   state with itself keeps O and adds log 2 to the LSE. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { H = 3, N = 77, D = WINDOW_HEAD_DIM, W = 9 };

static float frand(void) { return (float)rand() / RAND_MAX * 2.0f - 1.0f; }

/* Largest differences of O from `want` (infinite where O is NaN) and of the
   LSE from `wantLse` + `lseShift`. */
static void compareTo(float o[H][N][D], float lse[H][N], float want[H][N][D],
                      float wantLse[H][N], double lseShift, double *oErr,
                      double *lseErr) {
  *oErr = 0;
  *lseErr = 0;
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < N; ++i) {
      for (int d = 0; d < D; ++d)
        *oErr =
            fmax(*oErr, isnan(o[h][i][d]) ? INFINITY
                                          : fabs(o[h][i][d] - want[h][i][d]));
      *lseErr = fmax(*lseErr, fabs(lse[h][i] - (wantLse[h][i] + lseShift)));
    }
}

int main(void) {
  static float q[H][N][D], k[H][N][D], v[H][N][D], o[H][N][D], lse[H][N];
  srand(7);
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < N; ++i) {
      lse[h][i] = NAN;
      for (int d = 0; d < D; ++d) {
        q[h][i][d] = frand();
        k[h][i][d] = frand();
        v[h][i][d] = frand();
        o[h][i][d] = NAN;
      }
    }
  int64_t args[SPARSA_NUM_FIXED_ARGS + WINDOW_NUM_PARAMS] = {
      1,         H,     H, N, N, H * N * D, N * D, D, /* q */
      H * N * D, N * D, D,                            /* k */
      H * N * D, N * D, D,                            /* v */
      H * N * D, N * D, D,                            /* o */
      H * N,     N,     1,                            /* lse */
      1,         0,     W};                           /* has_lse, merge, W */
  int64_t items = window_work_items(args);
  float scale = 1.0f / sqrtf((float)D);
  window(&q[0][0][0], &k[0][0][0], &v[0][0][0], &o[0][0][0], &lse[0][0], args,
         scale, 0, items / 2);
  window(&q[0][0][0], &k[0][0][0], &v[0][0][0], &o[0][0][0], &lse[0][0], args,
         scale, items / 2, items);
  double worst = 0, worstLse = 0;
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < N; ++i) {
      double s[N], mx = -INFINITY, sum = 0, ref[D] = {0}, big = 0, err = 0;
      for (int j = 0; j < N; ++j) {
        s[j] = -INFINITY;
        if (j <= i && j + W >= i) {
          double dot = 0;
          for (int d = 0; d < D; ++d)
            dot += (double)q[h][i][d] * k[h][j][d];
          s[j] = dot / sqrt((double)D);
          mx = fmax(mx, s[j]);
        }
      }
      for (int j = 0; j < N; ++j)
        if (s[j] != -INFINITY) {
          double e = exp(s[j] - mx);
          sum += e;
          for (int d = 0; d < D; ++d)
            ref[d] += e * v[h][j][d];
        }
      for (int d = 0; d < D; ++d) {
        ref[d] /= sum;
        big = fmax(big, fabs(ref[d]));
        err = fmax(err, fabs(o[h][i][d] - ref[d]));
        if (isnan(o[h][i][d]))
          err = INFINITY;
      }
      worst = fmax(worst, err / big);
      worstLse = fmax(worstLse, fabs(lse[h][i] - (mx + log(sum))));
    }
  printf("work items: %lld\n", (long long)items);
  printf("max_rel_err: %.3g lse_err: %.3g\n", worst, worstLse);
  int ok = worst <= 1e-5 && worstLse <= 1e-5;
  printf("%s\n", ok ? "PASS" : "FAIL");

  static float o1[H][N][D], lse1[H][N];
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < N; ++i) {
      lse1[h][i] = lse[h][i];
      for (int d = 0; d < D; ++d)
        o1[h][i][d] = o[h][i][d];
    }
  args[21] = 1;
  window(&q[0][0][0], &k[0][0][0], &v[0][0][0], &o[0][0][0], &lse[0][0], args,
         scale, 0, items);
  double mergeErr, mergeLseErr;
  compareTo(o, lse, o1, lse1, log(2.0), &mergeErr, &mergeLseErr);
  int mergeOk = mergeErr <= 1e-5 && mergeLseErr <= 1e-5;
  printf("merge: o_err %.3g lse_err %.3g %s\n", mergeErr, mergeLseErr,
         mergeOk ? "PASS" : "FAIL");

  /* Merging into rows whose LSE is -inf overwrites them without reading O,
     even when O holds NaN. */
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < N; ++i) {
      lse[h][i] = -INFINITY;
      for (int d = 0; d < D; ++d)
        o[h][i][d] = NAN;
    }
  window(&q[0][0][0], &k[0][0][0], &v[0][0][0], &o[0][0][0], &lse[0][0], args,
         scale, 0, items);
  double freshErr, freshLseErr;
  compareTo(o, lse, o1, lse1, 0.0, &freshErr, &freshLseErr);
  int freshOk = freshErr <= 1e-6 && freshLseErr <= 1e-6;
  printf("merge into empty rows: o_err %.3g lse_err %.3g %s\n", freshErr,
         freshLseErr, freshOk ? "PASS" : "FAIL");
  return ok && mergeOk && freshOk ? 0 : 1;
}
