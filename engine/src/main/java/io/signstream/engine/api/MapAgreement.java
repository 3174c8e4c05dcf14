package io.signstream.engine.api;

/**
 * How closely two relevance maps agree, on the signed, unaggregated values (a sign error is never hidden by
 * averaging absolute values over channels).
 *
 * @param pearson Pearson correlation over all elements (1 for two identical constant maps)
 * @param maxAbsDiff largest element-wise absolute difference
 * @param maxAbsReference largest absolute value of the first map
 */
public record MapAgreement(double pearson, double maxAbsDiff, double maxAbsReference) {

    public static MapAgreement of(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps differ in size: " + a.length + " vs " + b.length);
        }
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            double da = a[i] - ma;
            double db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs(a[i]));
        }
        double r = (saa == 0 && sbb == 0) ? (maxDiff == 0 ? 1 : 0) : sab / Math.sqrt(saa * sbb);
        return new MapAgreement(r, maxDiff, maxRef);
    }

    /** The fixtures' exact-method test: max|a − b| ≤ rel·max|b| + absFloor. */
    public static boolean withinTolerance(float[] actual, float[] reference, double rel, double absFloor) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < reference.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - reference[i]));
        }
        return maxDiff <= rel * maxRef + absFloor;
    }
}
