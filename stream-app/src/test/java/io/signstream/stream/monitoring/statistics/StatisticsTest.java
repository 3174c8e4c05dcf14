package io.signstream.stream.monitoring.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The drift statistics against published values: Student-t critical values (two-sided, from the
 * standard tables, e.g. NIST/SEMATECH e-Handbook §1.3.6.7.2), a Welch test worked by hand, Spearman
 * on a textbook example.
 */
class StatisticsTest {

  @Test
  void studentTTailsMatchTheTables() {
    assertEquals(0.05, StudentT.twoSidedP(12.706, 1), 5e-5);
    assertEquals(0.05, StudentT.twoSidedP(4.303, 2), 5e-5);
    assertEquals(0.05, StudentT.twoSidedP(2.228, 10), 5e-5);
    assertEquals(0.01, StudentT.twoSidedP(3.169, 10), 5e-5);
    assertEquals(0.05, StudentT.twoSidedP(2.042, 30), 5e-5);
    assertEquals(0.001, StudentT.twoSidedP(3.646, 30), 5e-6);
    assertEquals(0.05, StudentT.twoSidedP(1.95996, 1e9), 1e-5); // the normal limit
    assertEquals(1.0, StudentT.twoSidedP(0, 5), 1e-12);
  }

  @Test
  void welchFromSufficientStatistics() {
    // means 10 and 12, variances 4 and 9, n 10 and 12: se² = 0.4 + 0.75 = 1.15, t = -1.8650,
    // df = 1.15² / (0.4²/9 + 0.75²/11) = 19.19 -> p = 0.0775 (t-table interpolation between df 19 and 20)
    assertEquals(0.0775, WelchTest.pValue(10, 4, 10, 12, 9, 12), 1e-3);
    assertEquals(1.0, WelchTest.pValue(1, 0, 5, 1, 0, 5));
    assertEquals(0.0, WelchTest.pValue(1, 0, 5, 2, 0, 5));
    assertEquals(1.0, WelchTest.pValue(1, 1, 1, 5, 1, 100), "one sample: no evidence");
  }

  @Test
  void cosineDistanceAndRankCorrelation() {
    assertEquals(0, MapSimilarity.cosineDistance(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-15);
    assertEquals(1, MapSimilarity.cosineDistance(new double[] {1, 0}, new double[] {0, 1}), 1e-15);
    assertEquals(1 - 1 / Math.sqrt(2), MapSimilarity.cosineDistance(new double[] {1, 0}, new double[] {1, 1}), 1e-15);
    // the example of scipy.stats.spearmanr's documentation: x = 1..5, y = 5,6,7,8,7 gives rho = 0.8207826816681233
    double[] x = {1, 2, 3, 4, 5};
    double[] y = {5, 6, 7, 8, 7};
    assertEquals(0.8207826816681233, MapSimilarity.pearson(MapSimilarity.ranks(x), MapSimilarity.ranks(y)), 1e-12);
    assertEquals(1.0, MapSimilarity.topKRankCorrelation(x, x, 3), 1e-15);
    assertEquals(-1.0, MapSimilarity.topKRankCorrelation(x, new double[] {5, 4, 3, 2, 1}, 5), 1e-15);
  }
}
