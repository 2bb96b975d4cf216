package examples;

import io.github.jcnn.tensor.Tensor;
import java.util.Locale;

/** Prints small matrices as aligned grids, the way the lecture's slides show them. */
final class Grids {

    private Grids() {
    }

    /** A 2-D tensor (rows, columns) as lines of right-aligned numbers (whole numbers without decimals). */
    static String format(Tensor matrix) {
        int rows = matrix.shape().dim(0);
        int cols = matrix.shape().dim(1);
        String[][] cells = new String[rows][cols];
        int width = 1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float v = matrix.get(r, c);
                cells[r][c] = v == Math.rint(v) ? Integer.toString(Math.round(v))
                        : String.format(Locale.ROOT, "%.3f", v);
                width = Math.max(width, cells[r][c].length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            s.append("  ");
            for (int c = 0; c < cols; c++) {
                s.append(String.format("%" + (width + 1) + "s", cells[r][c]));
            }
            s.append('\n');
        }
        return s.toString();
    }
}
