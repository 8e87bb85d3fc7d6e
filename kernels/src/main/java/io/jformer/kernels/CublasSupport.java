package io.jformer.kernels;

import io.jformer.tensor.Tensor;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

import java.util.logging.Logger;

/**
 * cuBLAS SGEMM through JCublas, used only where it loads: JCublas 12.6 needs {@code libcublas.so.12}, which a
 * CUDA 13 machine does not have, so there the backend runs on its own kernels. The choice is logged once.
 */
final class CublasSupport {

    private static final Logger LOG = Logger.getLogger(CublasSupport.class.getName());
    private static final Pointer ONE = Pointer.to(new float[]{1f});
    private static final Pointer ZERO = Pointer.to(new float[]{0f});

    private final cublasHandle handle;

    private CublasSupport(cublasHandle handle) {
        this.handle = handle;
    }

    /** A cuBLAS handle on the runtime's stream, or null (logged) when cuBLAS cannot be used. */
    static CublasSupport tryCreate(CudaRuntime rt) {
        if (Boolean.getBoolean("jformer.cuda.noCublas")) {
            LOG.info("cuBLAS disabled (-Djformer.cuda.noCublas=true): fp32 matmul uses jformer's own kernel");
            return null;
        }
        try {
            JCublas2.setExceptionsEnabled(false);
            JCublas2.initialize();
            cublasHandle h = new cublasHandle();
            int rc = JCublas2.cublasCreate(h);
            if (rc != 0) {
                LOG.info("cuBLAS unavailable (cublasCreate returned " + rc + "): fp32 matmul uses jformer's own kernel");
                return null;
            }
            JCublas2.cublasSetStream(h, new cudaStream_t(rt.stream));
            LOG.info("cuBLAS loaded: fp32 matmul of plain or transposed matrices uses cublasSgemm");
            return new CublasSupport(h);
        } catch (Throwable t) {
            // JCublas 12.6's JNI library links libcublas.so.12, which CUDA 13 installs do not have.
            String why = t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError
                    ? "JCublas 12.6 needs libcublas.so.12, not found here (CUDA 13 ships .so.13)"
                    : CudaProbe.explain(t);
            LOG.info("cuBLAS unavailable (" + why + "): fp32 matmul uses jformer's own kernel");
            return null;
        }
    }

    /**
     * Row-major {@code out[m, n] = a[m, k] · b[k, n]} for one matrix pair when each operand has a unit stride in
     * one of its dimensions; false (nothing launched) when the layout does not map onto cuBLAS.
     * Row-major C is column-major C^T, so this computes C^T = B^T · A^T.
     */
    boolean sgemm(Tensor a, Tensor b, Tensor out, int m, int n, int k) {
        int sam = a.stride(-2);
        int sak = a.stride(-1);
        int sbk = b.stride(-2);
        int sbn = b.stride(-1);
        int opB;
        int ldb;
        if (sbn == 1 && sbk >= Math.max(1, n)) {
            opB = cublasOperation.CUBLAS_OP_N;
            ldb = sbk;
        } else if (sbk == 1 && sbn >= Math.max(1, k)) {
            opB = cublasOperation.CUBLAS_OP_T;
            ldb = sbn;
        } else {
            return false;
        }
        int opA;
        int lda;
        if (sak == 1 && sam >= Math.max(1, k)) {
            opA = cublasOperation.CUBLAS_OP_N;
            lda = sam;
        } else if (sam == 1 && sak >= Math.max(1, m)) {
            opA = cublasOperation.CUBLAS_OP_T;
            lda = sak;
        } else {
            return false;
        }
        Pointer pa = CudaRuntime.ptr(a).withByteOffset(4L * a.offset());
        Pointer pb = CudaRuntime.ptr(b).withByteOffset(4L * b.offset());
        Pointer pc = CudaRuntime.ptr(out).withByteOffset(4L * out.offset());
        int rc = JCublas2.cublasSgemm(handle, opB, opA, n, m, k, ONE, pb, ldb, pa, lda, ZERO, pc, n);
        if (rc != 0) {
            throw new CudaException("cublasSgemm failed with status " + rc, rc);
        }
        return true;
    }
}
