package io.jformer.train.cli;

import io.jformer.tensor.Backends;
import picocli.CommandLine.Option;

/** Options every command that runs a model shares. */
final class CommonOptions {

    @Option(names = "--threads", description = "CPU worker threads (default: all processors).")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    void apply() {
        if (threads != null) {
            Backends.setCpuThreads(threads);
        }
        if (!device.equals("cpu")) {
            io.jformer.tensor.Device d = io.jformer.tensor.Device.parse(device);
            if (!Backends.isAvailable(d)) {
                try {
                    Backends.forDevice(d);
                } catch (UnsupportedOperationException e) {
                    System.err.println("jformer: " + e.getMessage() + "; running on the CPU");
                }
            }
        }
    }
}
