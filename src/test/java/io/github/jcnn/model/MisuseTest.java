package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The misuses of issue 12 are refused at the call, with a message naming what is wrong. */
class MisuseTest {

    private static final FitOptions QUIET = FitOptions.defaults().quiet().batchSize(16).optimizer(Adam.config(0.01));

    /** A 1x8x8 model with {@code outputs} outputs. */
    private static Sequential model(int outputs) {
        return Sequential.builder(Shape.of(1, 8, 8)).conv2d(4, 3).relu().maxPool(2).flatten().dense(outputs)
                .softmax().seed(3).build();
    }

    /** The data of {@code data} with the labels changed as given (the class count is kept). */
    private static Dataset relabelled(Dataset data, int index, int label) {
        return new Dataset() {
            public int size() {
                return data.size();
            }

            public Shape sampleShape() {
                return data.sampleShape();
            }

            public int classCount() {
                return data.classCount();
            }

            public int label(int i) {
                return i == index ? label : data.label(i);
            }

            public void copySample(int i, float[] target, int offset) {
                data.copySample(i, target, offset);
            }
        };
    }

    /** {@code data} with sample {@code index}'s element {@code element} replaced by {@code value}. */
    private static Dataset poisoned(Dataset data, int index, int element, float value) {
        return new Dataset() {
            public int size() {
                return data.size();
            }

            public Shape sampleShape() {
                return data.sampleShape();
            }

            public int classCount() {
                return data.classCount();
            }

            public int label(int i) {
                return data.label(i);
            }

            public void copySample(int i, float[] target, int offset) {
                data.copySample(i, target, offset);
                if (i == index) {
                    target[offset + element] = value;
                }
            }
        };
    }

    @Test
    void softmaxOnlyEndsAModel() {
        assertThatThrownBy(() -> Sequential.builder(Shape.of(8)).dense(4).softmax().dense(2).softmax().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Softmax #1 is not the last layer")
                .hasMessageContaining("Softmax #3");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(8)).dense(4).softmax().dense(2).build())
                .hasMessageContaining("Softmax #1 is not the last layer (the last is Dense #2)");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(8)).softmax().softmax().build())
                .hasMessageContaining("Softmax #0 is not the last layer");
        assertThat(Sequential.builder(Shape.of(8)).dense(2).softmax().build().layers()).hasSize(2);
    }

    @Test
    void moreClassesThanOutputsFailsAtTheCallNamingBothNumbers() {
        Dataset twelve = new InMemoryDataset(Synthetic.images(Shape.of(1, 8, 8), 40, 1), new int[40], 12);
        Sequential model = model(10);
        AtomicInteger epochsStarted = new AtomicInteger();
        TrainingListener count = new TrainingListener() {
            @Override
            public void onEpochStart(int epoch, int epochs) {
                epochsStarted.incrementAndGet();
            }
        };
        assertThatThrownBy(() -> model.fit(twelve, QUIET.listeners(count)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the training set has 12 classes but the model has 10 outputs (one per class): build "
                        + "the last layer with dense(12)");
        assertThat(epochsStarted).hasValue(0);
        assertThatThrownBy(() -> model.evaluate(twelve)).hasMessageContaining("12 classes but the model has 10");
        assertThatThrownBy(() -> model(2).fit(Synthetic.bars(40, 1), QUIET.validation(twelve)))
                .hasMessageContaining("the validation set has 12 classes but the model has 2 outputs");
    }

    @Test
    void aLabelOutsideTheOutputsIsNamed() {
        Dataset bad = relabelled(Synthetic.bars(40, 1), 17, 5);
        assertThatThrownBy(() -> model(2).fit(bad, QUIET))
                .hasMessage("the training set: sample 17 has label 5 but the model's 2 outputs stand for labels 0 to 1");
        assertThatThrownBy(() -> model(2).evaluate(relabelled(Synthetic.bars(40, 1), 3, -1)))
                .hasMessageContaining("sample 3 has label -1");
        Sequential m = model(2);
        Optimizer adam = Adam.config().create(m.parameters());
        Tensor x = Synthetic.images(Shape.of(1, 8, 8), 4, 2);
        assertThatThrownBy(() -> m.trainBatch(x, new int[] {0, 1, 2, 0}, adam))
                .hasMessageContaining("sample 2 has label 2");
        assertThatThrownBy(() -> m.forwardLoss(x, new int[] {0, 1, 0, 7})).hasMessageContaining("sample 3 has label 7");
    }

    @Test
    void nanAndInfinityInputsAreRefusedNamingTheFirstBadSample() {
        Sequential model = model(2);
        Tensor x = Synthetic.images(Shape.of(1, 8, 8), 40, 2);
        x.data()[5 * 64 + 10] = Float.NaN;
        x.data()[9 * 64] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> model.predict(x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("predict: sample 5 of the batch of 40 holds NaN (at element 10 of the sample); the model "
                        + "refuses inputs that are NaN or infinite: clean or drop that sample");
        assertThatThrownBy(() -> model.predictClasses(x)).hasMessageContaining("sample 5");
        assertThatThrownBy(() -> model.activations(x, 2)).hasMessageStartingWith("activations: sample 5");
        x.data()[5 * 64 + 10] = 0;
        assertThatThrownBy(() -> model.predict(x)).hasMessageContaining("sample 9 of the batch of 40 holds Infinity");

        Dataset train = Synthetic.bars(100, 1);
        assertThatThrownBy(() -> model.fit(poisoned(train, 77, 3, Float.NEGATIVE_INFINITY), QUIET))
                .hasMessageStartingWith("the training set: sample 77 of 100 holds -Infinity (at element 3");
        assertThatThrownBy(() -> model.fit(train, QUIET.validation(poisoned(train, 0, 0, Float.NaN))))
                .hasMessageStartingWith("the validation set: sample 0 of 100 holds NaN");
        assertThatThrownBy(() -> model.evaluate(poisoned(train, 99, 63, Float.NaN)))
                .hasMessageStartingWith("the evaluated dataset: sample 99 of 100 holds NaN (at element 63");
        Optimizer adam = Adam.config().create(model.parameters());
        Tensor batch = Synthetic.images(Shape.of(1, 8, 8), 4, 3);
        batch.data()[3 * 64 + 1] = Float.NaN;
        assertThatThrownBy(() -> model.trainBatch(batch, new int[4], adam)).hasMessageContaining("sample 3");
        assertThatThrownBy(() -> model.forwardLoss(batch, new int[4])).hasMessageContaining("sample 3");
    }

    @Test
    void theFirstBadSampleIsNamedWhateverTheThreadCount() {
        Dataset train = poisoned(poisoned(Synthetic.bars(300, 1), 250, 0, Float.NaN), 31, 0, Float.NaN);
        int threads = io.github.jcnn.kernels.Parallel.threads();
        try {
            for (int t = 1; t <= 3; t++) {
                io.github.jcnn.kernels.Parallel.setThreads(t);
                assertThatThrownBy(() -> model(2).evaluate(train)).hasMessageContaining("sample 31 of 300");
            }
        } finally {
            io.github.jcnn.kernels.Parallel.setThreads(threads);
        }
    }

    @Test
    void aLossAboveTheBoundStopsTraining() {
        // Adam with lr 1e6 stays finite for a while (the loss reached 6e37 before the bound existed)
        Sequential model = model(2);
        FitOptions wild = QUIET.optimizer(Adam.config(1e6)).epochs(3);
        assertThatThrownBy(() -> model.fit(Synthetic.bars(200, 1), wild))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("training diverged at epoch 1, batch 2: the loss (")
                .hasMessageContaining("is above the bound 10000.0 (FitOptions.maxLoss)");
        // without the bound the same run returns a history (the finding of issue 12)
        History unbounded = model(2).fit(Synthetic.bars(200, 1), wild.maxLoss(Double.POSITIVE_INFINITY));
        assertThat(unbounded.trainLoss()[0]).isGreaterThan(1e4);
        // a tight bound stops a healthy run at once; the default lets it finish
        assertThatThrownBy(() -> model(2).fit(Synthetic.bars(200, 1), QUIET.maxLoss(0.01)))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("training diverged at epoch 1, batch 1: the loss (")
                .hasMessageContaining("is above the bound 0.01 (FitOptions.maxLoss)");
        assertThat(model(2).fit(Synthetic.bars(200, 1), QUIET.epochs(2)).size()).isEqualTo(2);
        assertThatThrownBy(() -> FitOptions.defaults().maxLoss(0)).hasMessageContaining("greater than 0");
        assertThat(FitOptions.defaults().maxLoss()).isEqualTo(1e4);
    }

    @Test
    void adamWithAHugeLearningRateNeverReturnsAHistoryWithAHugeLoss() {
        for (long seed = 1; seed <= 3; seed++) {
            Sequential model = Sequential.builder(Shape.of(1, 8, 8)).conv2d(4, 3).relu().maxPool(2).flatten()
                    .dense(2).softmax().seed(seed).build();
            assertThatThrownBy(() -> model.fit(Synthetic.bars(200, 1), QUIET.optimizer(Adam.config(1e6))))
                    .isInstanceOf(TrainingDivergedException.class).hasMessageContaining("above the bound");
        }
    }

    @Test
    void anEmptyValidationSetMeansNoValidation() {
        Dataset train = Synthetic.bars(64, 1);
        Dataset empty = io.github.jcnn.data.Datasets.split(train, 0, 1).validation();
        assertThat(empty.size()).isZero();
        History h = model(2).fit(train, QUIET.epochs(2).validation(empty));
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.last().hasValidation()).isFalse();
        assertThatThrownBy(() -> model(2).fit(train, QUIET.validation(empty)
                .earlyStopping(EarlyStopping.on(Monitor.VALIDATION_LOSS, 2))))
                .hasMessageContaining("needs a validation set").hasMessageContaining("the one given is empty");
        assertThatThrownBy(() -> model(2).evaluate(empty)).hasMessage("evaluate: the dataset is empty");
        assertThatThrownBy(() -> model(2).fit(empty, QUIET)).hasMessage("fit: the training set is empty");
    }

    @Test
    void aSecondTrainingCallWhileFitRunsIsRefused() throws Exception {
        Sequential model = model(2);
        CountDownLatch inFit = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TrainingListener hold = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, double loss, double accuracy) {
                if (epoch == 0 && batch == 0) {
                    inFit.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread training = new Thread(() -> {
            try {
                model.fit(Synthetic.bars(64, 1), QUIET.epochs(1).listeners(hold));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        training.start();
        try {
            assertThat(inFit.await(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> model.fit(Synthetic.bars(64, 2), QUIET))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("fit: the model is already training");
            Optimizer adam = Adam.config().create(model.parameters());
            Tensor x = Synthetic.images(Shape.of(1, 8, 8), 4, 2);
            assertThatThrownBy(() -> model.trainBatch(x, new int[4], adam))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("trainBatch: the model is");
            assertThatThrownBy(() -> model.forwardLoss(x, new int[4])).isInstanceOf(IllegalStateException.class);
            // inference is not refused
            assertThat(model.predict(x).shape()).isEqualTo(Shape.of(4, 2));
        } finally {
            release.countDown();
            training.join();
        }
        assertThat(failure.get()).isNull();
        // once fit has returned, the model trains again
        assertThat(model.fit(Synthetic.bars(64, 2), QUIET.epochs(1)).size()).isEqualTo(1);
    }

    @Test
    void aListenerCanStopTheRun() {
        TrainingListener stopAtBatch2OfEpoch2 = new TrainingListener() {
            boolean stop;

            @Override
            public void onBatchEnd(int epoch, int batch, int batches, double loss, double accuracy) {
                stop = epoch == 1 && batch == 2;
            }

            @Override
            public boolean stopRequested() {
                return stop;
            }
        };
        History h = model(2).fit(Synthetic.bars(160, 1), QUIET.epochs(5).validation(Synthetic.bars(40, 2))
                .listeners(stopAtBatch2OfEpoch2));
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.stoppedByListener()).isTrue();
        assertThat(h.stoppedEarly()).isFalse();
        assertThat(h.last().hasValidation()).isTrue();
        assertThat(h.toString()).contains("stopped by a listener");
        History full = model(2).fit(Synthetic.bars(160, 1), QUIET.epochs(2));
        assertThat(full.stoppedByListener()).isFalse();
        // the stopped epoch's figures are over its 3 batches: they differ from a whole epoch's
        assertThat(h.epochs().get(1).trainLoss()).isNotEqualTo(full.epochs().get(1).trainLoss());
        assertThat(List.of(h.epochs().get(0).trainLoss())).containsExactly(full.epochs().get(0).trainLoss());
    }
}
