package io.jformer.train.cli;

import io.jformer.tensor.Backends;
import io.jformer.tensor.Device;
import picocli.CommandLine.Option;

/** Options every command that runs a model shares. */
final class CommonOptions {

    @Option(names = "--threads", description = "CPU worker threads (default: all processors).")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    /**
     * Applies the thread count and returns the device to run on: the one asked for, or the CPU with one line
     * saying why the accelerator cannot be used.
     */
    Device apply() {
        if (threads != null) {
            Backends.setCpuThreads(threads);
        }
        Device d = Device.parse(device);
        if (d.type() == Device.Type.CPU) {
            return d;
        }
        try {
            Backends.forDevice(d);
            return d;
        } catch (UnsupportedOperationException e) {
            String why = e.getMessage();
            System.err.println("jformer: " + why + (why.endsWith("using the CPU") ? "" : "; running on the CPU"));
            return Device.CPU;
        }
    }
}
