package io.github.jcnn.bench;

import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Split;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end speed on CIFAR-shaped data, printed like PyTorch's peer scripts so that they can be read side by side:
 * for each model ({@link Models}: {@code lenet}, {@code vgg}, {@code vggnobn}, {@code resnet}) and thread count,
 * training images/s at each batch size (a step is {@code Sequential.trainBatch}: SGD with momentum 0.9, softmax
 * cross-entropy) and inference images/s at batch 256 ({@code Sequential.predict}), each the median of
 * {@code --reps} timed runs after 2 untimed ones; then, unless {@code --no-epoch}, one epoch of real CIFAR-10 with
 * {@code Sequential.fit} for LeNet-5 when the data is there ({@code CIFAR10_DIR}, else {@code data/}, where
 * scripts/get-data puts it).
 * <pre>
 *   java -cp target/benchmarks.jar io.github.jcnn.bench.Throughput [--models lenet vgg] [--threads 1 2]
 *        [--batches 32 64 128] [--reps 5] [--no-epoch]
 * </pre>
 * A run covers 4,096 training and 8,192 inference images for LeNet-5, and 1,024 of each for the larger models
 * (the peer script's rounds are 30 steps of 64 and 1,024 images).
 */
public final class Throughput {

    private Throughput() {
    }

    /** Runs the measurements. */
    public static void main(String[] args) throws Exception {
        List<String> models = new ArrayList<>(List.of("lenet"));
        List<Integer> threads = new ArrayList<>(List.of(1, 2));
        List<Integer> batches = new ArrayList<>(List.of(32, 64, 128));
        int reps = 5;
        boolean epoch = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> i = Options.words(args, i, models);
                case "--threads" -> i = Options.ints(args, i, threads);
                case "--batches" -> i = Options.ints(args, i, batches);
                case "--reps" -> reps = Options.intAfter(args, i++);
                case "--no-epoch" -> epoch = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "jcnn, Java %s (%s), %d processors, reps=%d (median reported)%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), reps);
        System.out.println("GEMM: " + io.github.jcnn.kernels.Gemm.implementation());
        System.out.printf(Locale.ROOT, "%8s %8s %7s %9s %5s %12s %8s %8s%n", "model", "params", "threads", "mode",
                "batch", "img/s median", "min", "max");
        Tensor data = LeNet.images(4096, 7);
        int[] labels = LeNet.labels(4096, 7);
        for (String name : models) {
            if (Models.build(name, 1).isEmpty()) {
                System.out.printf(Locale.ROOT, "%8s: not built in this version; "
                        + "skipped%n", name);
                continue;
            }
            long params = Models.build(name, 1).get().parameterCount();
            long expected = Models.expectedParameters(name);
            if (expected >= 0 && params != expected) {
                throw new IllegalStateException(name + " has " + params + " parameters but the peer script's has "
                        + expected);
            }
            boolean small = name.equals("lenet");
            int trainImages = small ? 4096 : 1024;
            int inferImages = small ? 8192 : 1024;
            for (int t : threads) {
                Parallel.setThreads(t);
                for (int b : batches) {
                    double[] r = trainRates(name, b, data, labels, trainImages, reps);
                    System.out.printf(Locale.ROOT, "%8s %8d %7d %9s %5d %12.0f %8.0f %8.0f%n", name, params, t,
                            "train", b, median(r), r[0], r[r.length - 1]);
                }
                double[] r = inferRates(name, 256, data, inferImages, reps);
                System.out.printf(Locale.ROOT, "%8s %8d %7d %9s %5d %12.0f %8.0f %8.0f%n", name, params, t,
                        "inference", 256, median(r), r[0], r[r.length - 1]);
            }
        }
        if (epoch) {
            realEpoch();
        }
    }

    /** Sorted rates (images/s) of {@code reps} runs of {@code images} training images, after 2 untimed runs. */
    static double[] trainRates(String name, int batch, Tensor data, int[] labels, int images, int reps) {
        Sequential model = Models.build(name, 1).orElseThrow();
        SGD optimizer = new SGD(model.parameters(), SGD.config(0.01).momentum(0.9));
        int steps = Math.max(1, images / batch);
        int distinct = data.shape().dim(0) / batch;
        Tensor[] xs = new Tensor[distinct];
        int[][] ys = new int[distinct][];
        int size = Models.IMAGE.size();
        for (int s = 0; s < distinct; s++) {
            float[] chunk = Arrays.copyOfRange(data.data(), s * batch * size, (s + 1) * batch * size);
            xs[s] = Tensor.wrap(Models.IMAGE.withBatch(batch), chunk);
            ys[s] = Arrays.copyOfRange(labels, s * batch, (s + 1) * batch);
        }
        double[] rates = new double[reps];
        int k = 0;
        for (int r = -2; r < reps; r++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++, k++) {
                model.trainBatch(xs[k % distinct], ys[k % distinct], optimizer);
            }
            long t1 = System.nanoTime();
            if (r >= 0) {
                rates[r] = steps * batch / ((t1 - t0) / 1e9);
            }
        }
        Arrays.sort(rates);
        return rates;
    }

    /** Sorted rates of {@code reps} runs of {@code images} images in batches of {@code batch}, after 2 untimed runs. */
    static double[] inferRates(String name, int batch, Tensor data, int images, int reps) {
        Sequential model = Models.build(name, 1).orElseThrow();
        int size = Models.IMAGE.size();
        Tensor[] xs = new Tensor[4];
        for (int s = 0; s < 4; s++) {
            xs[s] = Tensor.wrap(Models.IMAGE.withBatch(batch),
                    Arrays.copyOfRange(data.data(), s * batch * size, (s + 1) * batch * size));
        }
        int steps = Math.max(1, images / batch);
        double[] rates = new double[reps];
        for (int r = -2; r < reps; r++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                model.predict(xs[s % 4]);
            }
            long t1 = System.nanoTime();
            if (r >= 0) {
                rates[r] = steps * batch / ((t1 - t0) / 1e9);
            }
        }
        Arrays.sort(rates);
        return rates;
    }

    /** One epoch of CIFAR-10 with Sequential.fit, batch 64, SGD momentum 0.9, all threads; skipped without data. */
    static void realEpoch() throws Exception {
        String env = System.getenv("CIFAR10_DIR");
        Path dir = env != null ? Path.of(env) : Path.of("data");
        if (Files.isDirectory(dir.resolve(Cifar10.FOLDER))) {
            dir = dir.resolve(Cifar10.FOLDER);
        }
        if (!Files.isDirectory(dir)) {
            System.out.println("real data: no CIFAR-10 at " + dir + " (set CIFAR10_DIR); epoch skipped");
            return;
        }
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
        Dataset train = Cifar10.load(dir, Split.TRAIN);
        Sequential model = LeNet.build(1);
        History h = model.fit(train, FitOptions.defaults().quiet().epochs(1).batchSize(64)
                .optimizer(SGD.config(0.01).momentum(0.9)));
        double seconds = h.epochs().get(0).seconds();
        System.out.printf(Locale.ROOT, "real data: CIFAR-10 epoch (%,d images, batch 64, %d threads, fit): %.1f s,"
                + " %.0f images/s, train loss %.3f, accuracy %.1f%%%n", train.size(), Parallel.threads(), seconds,
                train.size() / seconds, h.epochs().get(0).trainLoss(), 100 * h.epochs().get(0).trainAccuracy());
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
