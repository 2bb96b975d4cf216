package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.MeanSquaredError;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.viz.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitTest {

    @TempDir
    Path dir;

    private static final FitOptions QUIET = FitOptions.defaults().quiet().batchSize(16)
            .optimizer(Adam.config(0.01));

    @Test
    void aSmallCnnLearnsTheTwoClassProblem() {
        Dataset train = Synthetic.bars(400, 1);
        Dataset test = Synthetic.bars(200, 2);
        Sequential model = Synthetic.smallCnn(3);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(log, true, StandardCharsets.UTF_8), false, System::nanoTime);
        History h = model.fit(train, QUIET.epochs(8).validation(test).progressBar(bar));
        assertThat(h.size()).isEqualTo(8);
        assertThat(h.last().trainLoss()).isLessThan(h.epochs().get(0).trainLoss());
        Evaluation e = model.evaluate(test);
        assertThat(e.accuracy()).isGreaterThan(0.95);
        assertThat(e.perClassAccuracy()).hasSize(2);
        assertThat(e.count()).isEqualTo(200);
        assertThat(h.last().validationAccuracy()).isEqualTo(e.accuracy());
        assertThat(e.toString()).contains("top").contains("bottom").contains("accuracy");
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("Epoch 8/8").contains("img/s").contains("val acc").doesNotContain("\r");
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsWhateverTheThreadCount() {
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = trainedWeights();
            float[] again = trainedWeights();
            Parallel.setThreads(2);
            float[] two = trainedWeights();
            assertThat(again).containsExactly(one);
            assertThat(two).containsExactly(one);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    private static float[] trainedWeights() {
        Sequential model = Synthetic.smallCnn(5);
        model.fit(Synthetic.bars(64, 9), QUIET.epochs(2).optimizer(SGD.config(0.05).momentum(0.9)));
        List<Float> all = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            for (float f : p.value().data()) {
                all.add(f);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Test
    void aHugeLearningRateStopsTrainingWithTheStepLayerAndHint() {
        Sequential model = Synthetic.smallCnn(1);
        assertThatThrownBy(() -> model.fit(Synthetic.bars(64, 1),
                QUIET.epochs(5).optimizer(SGD.config(1e30))))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("training diverged at epoch 1, batch")
                .hasMessageMatching("(?s).*(Conv2D|Dense|ReLU|MaxPool2D|Flatten) #\\d .*")
                .hasMessageContaining("learning rate (1.0E30) is probably too high");
    }

    @Test
    void earlyStoppingEndsTheRunAndTheCheckpointHoldsTheBestModel() throws Exception {
        Dataset train = Synthetic.bars(64, 1);
        Dataset val = Synthetic.bars(64, 2);
        Sequential model = Synthetic.smallCnn(1);
        Path best = dir.resolve("best.safetensors");
        // a learning rate of ~0 cannot improve the validation loss after the first epoch
        History h = model.fit(train, QUIET.epochs(20).optimizer(SGD.config(1e-30)).validation(val)
                .earlyStopping(EarlyStopping.on(Monitor.VALIDATION_LOSS, 2))
                .checkpoint(best, Monitor.VALIDATION_ACCURACY));
        assertThat(h.stoppedEarly()).isTrue();
        assertThat(h.size()).isLessThan(20);
        assertThat(Files.exists(best)).isTrue();
        assertThat(Sequential.load(best).evaluate(val).accuracy()).isEqualTo(h.best(Monitor.VALIDATION_ACCURACY)
                .validationAccuracy());
    }

    @Test
    void schedulesListenersAndOtherLossesWork() {
        List<String> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpochStart(int epoch, int epochs) {
                events.add("start " + epoch);
            }

            @Override
            public void onEpochEnd(EpochMetrics m) {
                events.add("end " + m.epoch());
            }
        };
        Sequential model = Synthetic.smallCnn(1);
        History h = model.fit(Synthetic.bars(32, 1), QUIET.epochs(3).loss(new MeanSquaredError())
                .optimizer(SGD.config(0.1)).schedule(LearningRateSchedule.stepDecay(1, 0.5)).listeners(listener));
        assertThat(h.learningRate()).containsExactly(0.1, 0.05, 0.025);
        assertThat(events).containsExactly("start 0", "end 0", "start 1", "end 1", "start 2", "end 2");
    }

    @Test
    void monitorsOnValidationNeedAValidationSet() {
        assertThatThrownBy(() -> Synthetic.smallCnn(1).fit(Synthetic.bars(8, 1),
                QUIET.earlyStopping(EarlyStopping.on(Monitor.VALIDATION_ACCURACY, 1))))
                .hasMessageContaining("validation");
    }

    @Test
    void fitChecksTheValidationSetForNaNOnceNotEveryEpoch() {
        Dataset test = Synthetic.bars(40, 2);
        int[] reads = new int[1];
        Dataset counted = new Dataset() {   // the same samples, counting how often they are read
            public int size() {
                return test.size();
            }

            public io.github.jcnn.tensor.Shape sampleShape() {
                return test.sampleShape();
            }

            public int classCount() {
                return test.classCount();
            }

            public int label(int index) {
                return test.label(index);
            }

            public void copySample(int index, float[] target, int offset) {
                synchronized (reads) {
                    reads[0]++;
                }
                test.copySample(index, target, offset);
            }
        };
        Synthetic.smallCnn(3).fit(Synthetic.bars(32, 1), QUIET.epochs(3).validation(counted));
        // once for the NaN check before the first epoch, then once per epoch's evaluation (before: 1 + 2 per epoch)
        assertThat(reads[0]).isEqualTo(40 * (1 + 3));
        reads[0] = 0;
        Synthetic.smallCnn(3).evaluate(counted);
        assertThat(reads[0]).as("evaluate on its own still checks").isEqualTo(40 * 2);
    }
}
