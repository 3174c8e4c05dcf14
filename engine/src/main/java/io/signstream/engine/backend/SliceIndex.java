package io.signstream.engine.backend;

/** DJL index strings ({@code ":,:,2:5"}) for slicing one axis of an array, the other axes whole. */
public final class SliceIndex {

    private SliceIndex() {
    }

    /** {@code from:to} on {@code axis} of an array of the given rank. */
    public static String along(int rank, int axis, long from, long to) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rank; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(i == axis ? from + ":" + to : ":");
        }
        return sb.toString();
    }
}
