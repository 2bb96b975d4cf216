package io.github.jcnn.model;

import java.nio.file.Path;

/** The child JVM of {@link SaveCrashTest}: saves model 2 and model 1 in turn to the file in args[0], until killed. */
final class SaveCrashChild {

    private SaveCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        Sequential[] models = {SaveCrashTest.model(2), SaveCrashTest.model(1)};
        models[0].save(target);
        System.out.println("saving");
        System.out.flush();
        for (int i = 1; ; i++) {
            models[i % 2].save(target);
        }
    }
}
