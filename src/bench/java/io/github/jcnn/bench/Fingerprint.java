package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The bits of a few training steps, to show that a change to a kernel kept them: for each network of {@link Models}
 * and each thread count, a fresh model (seed 1) trains {@code --steps} steps of SGD with momentum on one synthetic
 * batch of 64, and one line gives each step's loss as the hexadecimal bits of its double, a 64-bit hash of every
 * parameter's float bits at the end, and a hash of the bits of the trained model's predictions (inference mode: batch
 * norm's running statistics, folded convolutions) for another 256 synthetic images. Run it on the jar before a change
 * and after it; equal lines mean equal bits.
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/benchmarks.jar io.github.jcnn.bench.Fingerprint
 *        [--models vgg resnet lenet] [--threads 1 2] [--steps 4]
 * </pre>
 * Add {@code -Djcnn.vector=false} for the plain loops' bits (they differ from the vector kernels' in the order of
 * additions, by design).
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** Prints one line per network and thread count. */
    public static void main(String[] args) {
        List<String> models = new ArrayList<>(List.of("vgg", "resnet", "lenet"));
        List<Integer> threads = new ArrayList<>(List.of(1, 2));
        int steps = 4;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> i = Options.words(args, i, models);
                case "--threads" -> i = Options.ints(args, i, threads);
                case "--steps" -> steps = Options.intAfter(args, i++);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Tensor x = LeNet.images(64, 5);
        int[] y = LeNet.labels(64, 5);
        Tensor unseen = LeNet.images(256, 7);
        for (String model : models) {
            for (int t : threads) {
                Parallel.setThreads(t);
                Sequential net = Models.build(model, 1).orElseThrow(
                        () -> new IllegalArgumentException("unknown model " + model + "; known: " + Models.NAMES));
                SGD optimizer = new SGD(net.parameters(), SGD.config(0.01).momentum(0.9));
                StringBuilder line = new StringBuilder(String.format("%-7s threads %d  losses", model, t));
                for (int s = 0; s < steps; s++) {
                    double loss = net.trainBatch(x, y, optimizer);
                    line.append(' ').append(Long.toHexString(Double.doubleToRawLongBits(loss)));
                }
                long hash = 1;
                for (Parameter p : net.parameters()) {
                    hash = hash(hash, p.value().data());
                }
                line.append("  parameters ").append(Long.toHexString(hash));
                long predictions = hash(1, net.predict(unseen).data());
                System.out.println(line.append("  predictions ").append(Long.toHexString(predictions)));
            }
        }
    }

    private static long hash(long hash, float[] values) {
        for (float f : values) {
            hash = hash * 31 + Float.floatToRawIntBits(f);
        }
        return hash;
    }
}
