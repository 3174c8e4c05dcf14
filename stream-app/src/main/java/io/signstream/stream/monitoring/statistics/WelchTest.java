package io.signstream.stream.monitoring.statistics;

/**
 * Welch's two-sample t-test from sufficient statistics (mean, sample variance, count) — what a
 * window and a reference keep — so the test needs no per-map history in the state store.
 */
public final class WelchTest {

  private WelchTest() {}

  /**
   * Two-sided p-value for equal means. Degenerate cases: fewer than two samples on a side gives 1
   * (no evidence); both variances zero gives 1 for equal means and 0 otherwise.
   */
  public static double pValue(double mean1, double var1, long n1, double mean2, double var2, long n2) {
    if (n1 < 2 || n2 < 2) {
      return 1;
    }
    double a = var1 / n1;
    double b = var2 / n2;
    double se2 = a + b;
    if (se2 == 0) {
      return mean1 == mean2 ? 1 : 0;
    }
    double t = (mean1 - mean2) / Math.sqrt(se2);
    // Welch–Satterthwaite degrees of freedom
    double df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1));
    return StudentT.twoSidedP(t, df);
  }
}
