package examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which data an example reads. The build runs every example with {@code --tiny}, so a {@code --tiny} run must not
 * depend on whether the real data happens to be installed in {@code data/} or named by {@code CIFAR10_DIR} /
 * {@code MNIST_DIR}: it uses synthetic data unless a folder is given on the command line.
 */
class DataFolderTest {

    @TempDir
    Path temp;

    @Test
    void tinyIgnoresTheDefaultFolderAndTheEnvironmentEvenWhenTheyExist() throws Exception {
        Path installed = Files.createDirectories(temp.resolve("installed"));
        Args tiny = Args.parse(new String[] {"--tiny"});

        assertThat(tiny.dataFolder(null, installed)).isNull();
        assertThat(tiny.dataFolder(installed.toString(), installed)).isNull();
    }

    @Test
    void aFolderOnTheCommandLineWinsWithOrWithoutTiny() {
        Path env = temp.resolve("env");
        assertThat(Args.parse(new String[] {"--tiny", "--data", "given"}).dataFolder(env.toString(), temp))
                .isEqualTo(Path.of("given"));
        assertThat(Args.parse(new String[] {"given", "--tiny"}).dataFolder(env.toString(), temp))
                .isEqualTo(Path.of("given"));
        assertThat(Args.parse(new String[] {"--epochs", "3", "--data", "given"}).dataFolder(env.toString(), temp))
                .isEqualTo(Path.of("given"));
    }

    @Test
    void withoutTinyTheEnvironmentThenTheDefaultFolderIsUsed() {
        Path fallback = temp.resolve("default");
        Args plain = Args.parse(new String[] {"--epochs", "3"});

        assertThat(plain.dataFolder("from-env", fallback)).isEqualTo(Path.of("from-env"));
        assertThat(plain.dataFolder(" ", fallback)).isEqualTo(fallback);
        assertThat(plain.dataFolder(null, fallback)).isEqualTo(fallback);
    }

    @Test
    void tinyWritesSyntheticCifar10AndMnistWhateverTheEnvironmentNames() throws Exception {
        Path installed = SyntheticData.cifar10(temp.resolve("installed"), 1, 1, 1);
        Path out = temp.resolve("out");
        Args tiny = Args.parse(new String[] {"--tiny"});

        Path cifar = CifarData.find(tiny, out, installed.toString());
        Path mnist = MnistLeNet.find(tiny, out, installed.toString());

        assertThat(cifar).isEqualTo(out.resolve("synthetic-data").resolve("cifar-10-batches-bin"));
        assertThat(cifar.resolve("data_batch_1.bin")).hasSize(60 * 3073L);
        assertThat(mnist).isEqualTo(out.resolve("synthetic-data").resolve("mnist"));
        assertThat(mnist.resolve("train-images-idx3-ubyte")).hasSize(16 + 500 * 784L);
    }
}
