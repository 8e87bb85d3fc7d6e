package io.jformer.kernels;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed PTX modules (built by {@code scripts/build-ptx.sh} from {@code src/main/cuda}) and their
 * functions, loaded lazily with {@code cuModuleLoadData} and cached for the life of the context.
 */
final class PtxModules {

    /** Module names: one PTX resource per {@code .cu} file. */
    static final List<String> NAMES = List.of("elementwise", "random", "reduce", "softmax", "layernorm", "index",
            "loss", "optim", "matmul_f32", "matmul_f16");

    static final String RESOURCE_DIR = "/io/jformer/kernels/ptx/";

    private final Map<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();

    /** The PTX text of a module, NUL-terminated as {@code cuModuleLoadData} wants it. */
    static byte[] ptx(String module) {
        try (InputStream in = PtxModules.class.getResourceAsStream(RESOURCE_DIR + module + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + RESOURCE_DIR + module + ".ptx is missing from the jar");
            }
            byte[] b = in.readAllBytes();
            return Arrays.copyOf(b, b.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading PTX module " + module, e);
        }
    }

    /** Loads every module now, so a driver that cannot JIT the PTX fails when the backend opens, not mid-run. */
    void loadAll() {
        for (String name : NAMES) {
            module(name);
        }
    }

    private CUmodule module(String name) {
        return modules.computeIfAbsent(name, n -> {
            CUmodule m = new CUmodule();
            Cuda.check(JCudaDriver.cuModuleLoadData(m, ptx(n)), "cuModuleLoadData(" + n + ".ptx)");
            return m;
        });
    }

    /** The kernel {@code function} of {@code module}. */
    CUfunction function(String module, String function) {
        return functions.computeIfAbsent(module + "." + function, k -> {
            CUfunction f = new CUfunction();
            Cuda.check(JCudaDriver.cuModuleGetFunction(f, module(module), function),
                    "cuModuleGetFunction(" + module + "." + function + ")");
            return f;
        });
    }
}
