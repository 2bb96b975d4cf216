package io.github.jcnn.data;

/**
 * Which part of a data set to load: the training images or the held-out test images.
 *
 * <p>CIFAR-10: {@link #TRAIN} is the five files {@code data_batch_1.bin} to {@code data_batch_5.bin} (50,000 images),
 * {@link #TEST} is {@code test_batch.bin} (10,000 images). MNIST: {@code train-*} (60,000) and {@code t10k-*} (10,000).
 * A validation set is carved out of the training split with {@link Datasets#split(Dataset, double, long)}.
 */
public enum Split {
    /** The training images. */
    TRAIN,
    /** The test images, used only to evaluate the finished model. */
    TEST
}
