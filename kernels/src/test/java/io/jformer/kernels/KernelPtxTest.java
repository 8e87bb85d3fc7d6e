package io.jformer.kernels;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed PTX: loadable by a driver 580 (ISA ≤ 9.0, sm_90), in step with the CUDA sources, and valid. */
class KernelPtxTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path CUDA_SRC = MODULE.resolve("src/main/cuda");
    private static final Path PTX_DIR = MODULE.resolve("src/main/resources/io/jformer/kernels/ptx");
    private static final Path BUILD_SCRIPT = MODULE.resolve("../scripts/build-ptx.sh").normalize();

    private static String ptx(String module) {
        return new String(PtxModules.ptx(module), StandardCharsets.UTF_8).replace("\0", "");
    }

    @Test
    void everyCudaSourceHasItsCommittedPtxAndTheLoaderKnowsIt() throws IOException {
        Set<String> sources;
        try (Stream<Path> s = Files.list(CUDA_SRC)) {
            sources = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> committed;
        try (Stream<Path> s = Files.list(PTX_DIR)) {
            committed = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ptx"))
                    .map(n -> n.substring(0, n.length() - 4)).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(sources, committed, "one committed PTX per .cu file (run scripts/build-ptx.sh)");
        assertEquals(sources, new TreeSet<>(PtxModules.NAMES), "PtxModules.NAMES lists every module");
    }

    @Test
    void ptxIsaIsAtMostNineAndTargetsSm90() {
        Pattern version = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)\\s*$");
        for (String m : PtxModules.NAMES) {
            String text = ptx(m);
            Matcher v = version.matcher(text);
            assertTrue(v.find(), m + ".ptx has no .version line");
            int major = Integer.parseInt(v.group(1));
            int minor = Integer.parseInt(v.group(2));
            assertTrue(major < 9 || (major == 9 && minor == 0),
                    m + ".ptx is PTX ISA " + major + "." + minor + "; a driver 580 JITs at most 9.0");
            assertTrue(text.contains("\n.target sm_90\n"), m + ".ptx must target sm_90 (not sm_90a or newer)");
        }
    }

    @Test
    void tensorCoreKernelUsesMmaSyncM16n8k16() {
        String text = ptx("matmul_f16");
        assertTrue(text.contains(".entry hgemm_mma("), "hgemm_mma entry point");
        assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"), "fp16 mma with fp32 accumulate");
    }

    @Test
    void kernelsTheJavaSideLaunchesExist() {
        List<String[]> launched = List.of(
                new String[]{"elementwise", "ew_map"}, new String[]{"elementwise", "ew_copy"},
                new String[]{"elementwise", "ew_fill"}, new String[]{"random", "fill_random"},
                new String[]{"reduce", "reduce_rows"}, new String[]{"reduce", "reduce_cols"},
                new String[]{"reduce", "argmax_rows"}, new String[]{"softmax", "softmax_fwd"},
                new String[]{"softmax", "softmax_bwd"}, new String[]{"layernorm", "layernorm_fwd"},
                new String[]{"layernorm", "layernorm_bwd_dx"}, new String[]{"layernorm", "layernorm_bwd_partial"},
                new String[]{"index", "gather_rows"}, new String[]{"index", "segment_sum"},
                new String[]{"loss", "ce_fwd"}, new String[]{"loss", "ce_bwd"}, new String[]{"loss", "sum_to_scalar"},
                new String[]{"optim", "adamw_step"}, new String[]{"optim", "unscale_check"},
                new String[]{"optim", "sumsq_partial"}, new String[]{"optim", "sum_partials"},
                new String[]{"matmul_f32", "sgemm_strided"}, new String[]{"matmul_f16", "hgemm_mma"});
        for (String[] k : launched) {
            assertTrue(ptx(k[0]).contains(".entry " + k[1] + "("), k[0] + ".ptx lacks entry " + k[1]);
        }
    }

    @Test
    void structArgumentsHaveTheSizeTheJavaSidePacks() {
        assertTrue(ptx("elementwise").contains(".param .align 4 .b8 ew_map_param_0[" + 4 * Layouts.LAYOUT4_INTS + "]"));
        assertTrue(ptx("softmax").contains(".param .align 4 .b8 softmax_fwd_param_0[" + 4 * Layouts.ROW_LAYOUT_INTS + "]"));
    }

    @Test
    void committedPtxMatchesTheSources(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("nvcc"), "nvcc not on PATH: cannot regenerate the PTX to compare");
        Process p = new ProcessBuilder("bash", BUILD_SCRIPT.toString(), tmp.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "build-ptx.sh timed out");
        assertEquals(0, p.exitValue(), "build-ptx.sh failed:\n" + log);
        for (String m : PtxModules.NAMES) {
            assertEquals(withoutComments(Files.readString(PTX_DIR.resolve(m + ".ptx"))),
                    withoutComments(Files.readString(tmp.resolve(m + ".ptx"))),
                    m + ".ptx is stale: run scripts/build-ptx.sh and commit the result");
        }
    }

    @Test
    void committedPtxAssemblesForSm90(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("ptxas"), "ptxas not on PATH: cannot assemble the PTX");
        for (String m : PtxModules.NAMES) {
            Process p = new ProcessBuilder("ptxas", "-arch=sm_90", PTX_DIR.resolve(m + ".ptx").toString(), "-o",
                    tmp.resolve(m + ".cubin").toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "ptxas timed out on " + m);
            assertEquals(0, p.exitValue(), "ptxas rejected " + m + ".ptx:\n" + log);
        }
    }

    /** nvcc's header comments carry the compiler build and may change with paths; the code must not. */
    private static String withoutComments(String ptx) {
        return ptx.lines().filter(l -> !l.stripLeading().startsWith("//")).collect(Collectors.joining("\n"));
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
