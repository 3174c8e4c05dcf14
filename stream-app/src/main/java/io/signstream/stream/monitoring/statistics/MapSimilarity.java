package io.signstream.stream.monitoring.statistics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.IntStream;

/** Comparisons of two mean relevance maps of the same shape (drift statistics). */
public final class MapSimilarity {

  private MapSimilarity() {}

  /**
   * 1 - cosine similarity, in [0, 1] for the non-negative normalised maps compared here; 1 when
   * either map is all zeros or the lengths differ (nothing in common to compare).
   */
  public static double cosineDistance(double[] a, double[] b) {
    if (a.length != b.length || a.length == 0) {
      return 1;
    }
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    if (na == 0 || nb == 0) {
      return 1;
    }
    return Math.min(1, Math.max(0, 1 - dot / Math.sqrt(na * nb)));
  }

  /** Flat indices of the {@code k} largest values, largest first (ties: lower index first). */
  public static int[] topK(double[] values, int k) {
    return IntStream.range(0, values.length).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -values[i]).thenComparingInt(i -> i))
        .limit(k).mapToInt(Integer::intValue).toArray();
  }

  /**
   * Spearman rank correlation of {@code reference} and {@code current} over the union of both maps'
   * top-k positions: do the positions that matter most keep their order of importance? Ties get
   * average ranks; 1 when fewer than two positions or a constant side leave nothing to rank.
   */
  public static double topKRankCorrelation(double[] reference, double[] current, int k) {
    if (reference.length != current.length) {
      return -1;
    }
    Set<Integer> union = new LinkedHashSet<>();
    for (int i : topK(reference, k)) {
      union.add(i);
    }
    for (int i : topK(current, k)) {
      union.add(i);
    }
    int n = union.size();
    if (n < 2) {
      return 1;
    }
    double[] x = new double[n];
    double[] y = new double[n];
    int j = 0;
    for (int i : union) {
      x[j] = reference[i];
      y[j] = current[i];
      j++;
    }
    double r = pearson(ranks(x), ranks(y));
    return Double.isNaN(r) ? 1 : r;
  }

  /** Pearson correlation; NaN when a side is constant or the lengths differ. */
  public static double pearson(double[] x, double[] y) {
    if (x.length != y.length || x.length < 2) {
      return Double.NaN;
    }
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < x.length; i++) {
      double dx = x[i] - mx;
      double dy = y[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
  }

  /** Ranks 1..n, ties averaged. */
  static double[] ranks(double[] v) {
    Integer[] order = IntStream.range(0, v.length).boxed().sorted(Comparator.comparingDouble(i -> v[i]))
        .toArray(Integer[]::new);
    double[] r = new double[v.length];
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int t = i; t <= j; t++) {
        r[order[t]] = rank;
      }
      i = j + 1;
    }
    return r;
  }
}
