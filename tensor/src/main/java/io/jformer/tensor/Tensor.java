package io.jformer.tensor;

import io.jformer.tensor.cpu.CpuStorage;

import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array: a view (shape, strides, offset) over a {@link Storage} on some device.
 *
 * <p>Views ({@link #reshape}, {@link #permute}, {@link #transpose}, {@link #narrow}, {@link #expand},
 * {@link #squeeze}, {@link #unsqueeze}) share storage and copy nothing. Computation is delegated to the
 * {@link Backend} of the tensor's device. Tensors know nothing of gradients; see {@code jformer-autograd}.
 *
 * <p>Tensors are not synchronised: sharing one between threads is safe for reading only.
 */
public final class Tensor {

    private final Storage storage;
    private final Shape shape;
    private final int[] strides;
    private final int offset;

    /** A view over {@code storage}; used by backends. Strides and offset must stay inside the storage. */
    public Tensor(Storage storage, Shape shape, int[] strides, int offset) {
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " do not match shape " + shape);
        }
        this.storage = storage;
        this.shape = shape;
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** A contiguous tensor over the whole of {@code storage}. */
    public Tensor(Storage storage, Shape shape) {
        this(storage, shape, shape.contiguousStrides(), 0);
    }

    // ---- creation ----------------------------------------------------------------------------------

    /** An uninitialised contiguous tensor. */
    public static Tensor empty(Shape shape, DType dtype, Device device) {
        return new Tensor(Backends.forDevice(device).allocate(dtype, shape.numel()), shape);
    }

    /** A contiguous tensor of {@code shape} with every element {@code value}, of {@code dtype} on {@code device}. */
    public static Tensor full(Shape shape, double value, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        t.backend().fill(t, value);
        return t;
    }

    /** F32 zeros on the CPU. */
    public static Tensor zeros(int... shape) {
        return full(Shape.of(shape), 0, DType.F32, Device.CPU);
    }

    /** F32 ones on the CPU. */
    public static Tensor ones(int... shape) {
        return full(Shape.of(shape), 1, DType.F32, Device.CPU);
    }

    /** An F32 tensor on the CPU filled with {@code value}. */
    public static Tensor full(double value, int... shape) {
        return full(Shape.of(shape), value, DType.F32, Device.CPU);
    }

    /** A 0-d F32 tensor. */
    public static Tensor scalar(double value) {
        return full(Shape.scalar(), value, DType.F32, Device.CPU);
    }

    /** An F32 CPU tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        Shape s = Shape.of(shape);
        checkLength(data.length, s);
        return new Tensor(CpuStorage.of(data.clone()), s);
    }

    /** An I64 CPU tensor holding a copy of {@code data} (token ids, labels, indices). */
    public static Tensor ofLongs(long[] data, int... shape) {
        Shape s = Shape.of(shape);
        checkLength(data.length, s);
        return new Tensor(CpuStorage.of(data.clone()), s);
    }

    private static void checkLength(int length, Shape s) {
        if (length != s.numel()) {
            throw new ShapeMismatchException("data has " + length + " elements but shape " + s + " needs " + s.numel());
        }
    }

    /** {@code [0, 1, ..., n-1]} as F32. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** {@code start, start+step, ...} below {@code end} (above it for a negative step), as F32. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0) {
            throw new IllegalArgumentException("arange: step must be non-zero");
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (start + i * step);
        }
        return of(v, n);
    }

    /** Standard-normal F32 values on the CPU, reproducible from the generator's seed and position. */
    public static Tensor randn(Generator gen, int... shape) {
        return random(Distribution.NORMAL, 0, 1, gen, Shape.of(shape), Device.CPU);
    }

    /** Uniform [0, 1) F32 values on the CPU. */
    public static Tensor rand(Generator gen, int... shape) {
        return random(Distribution.UNIFORM, 0, 1, gen, Shape.of(shape), Device.CPU);
    }

    /** 1 with probability {@code p}, else 0 (F32) on the CPU. */
    public static Tensor bernoulli(double p, Generator gen, int... shape) {
        return random(Distribution.BERNOULLI, p, 0, gen, Shape.of(shape), Device.CPU);
    }

    /** A contiguous F32 tensor of draws from {@code dist} on {@code device}. */
    public static Tensor random(Distribution dist, double p1, double p2, Generator gen, Shape shape, Device device) {
        requireProbability(dist, p1); // before reserving: a rejected call leaves the generator where it was
        return random(dist, p1, p2, gen.seed(), gen.reserve(shape.numel()), shape, device);
    }

    /**
     * The same draws at an explicit position of {@code seed}'s stream: element {@code i} is draw {@code counter + i}.
     * For recomputing draws made earlier, as dropout's backward pass does with its mask.
     */
    public static Tensor random(Distribution dist, double p1, double p2, long seed, long counter, Shape shape,
            Device device) {
        requireProbability(dist, p1);
        Tensor t = empty(shape, DType.F32, device);
        t.backend().fillRandom(t, dist, p1, p2, seed, counter);
        return t;
    }

    private static void requireProbability(Distribution dist, double p) {
        if (dist == Distribution.BERNOULLI && !(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("bernoulli: probability must be in [0, 1], got " + p);
        }
    }

    // ---- metadata ----------------------------------------------------------------------------------

    /** The dimension sizes. */
    public Shape shape() {
        return shape;
    }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape.dim(d);
    }

    /** The number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.rank();
    }

    /** The number of elements (the product of the sizes; 1 for a scalar). */
    public int numel() {
        return shape.numel();
    }

    /** The element strides per dimension (a copy). */
    public int[] strides() {
        return strides.clone();
    }

    /** The stride of dimension {@code d} in elements (negative counts from the end). */
    public int stride(int d) {
        return strides[shape.normalize(d)];
    }

    /** The index of the first element in the storage. */
    public int offset() {
        return offset;
    }

    /** The storage this tensor is a view of (shared with other views). */
    public Storage storage() {
        return storage;
    }

    /** The element type (the storage's). */
    public DType dtype() {
        return storage.dtype();
    }

    /** The device the storage lives on. */
    public Device device() {
        return storage.device();
    }

    /** The backend of the tensor's device, which runs its operations. */
    public Backend backend() {
        return Backends.forDevice(device());
    }

    /** Whether the elements are laid out row-major without gaps (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        if (numel() == 0) {
            return true; // no element to address: any strides describe the same (empty) layout
        }
        int expected = 1;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            if (d != 1 && strides[i] != expected) {
                return false;
            }
            expected *= d;
        }
        return true;
    }

    // ---- views -------------------------------------------------------------------------------------

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** A contiguous copy with its own storage. */
    public Tensor copy() {
        Tensor out = empty(shape, dtype(), device());
        backend().copy(this, out);
        return out;
    }

    // ---- in place ----------------------------------------------------------------------------------
    // The few mutations the engine needs for state that outlives a step (gradients, optimizer moments):
    // updating those buffers in place is what lets a Workspace recycle everything else.

    /** {@code this += other} in place ({@code other} broadcast to this shape); returns this. */
    public Tensor addInPlace(Tensor other) {
        backend().accumulate(this, other);
        return this;
    }

    /** Overwrites every element with {@code other}'s (broadcast to this shape, converted to this dtype). */
    public Tensor copyFrom(Tensor other) {
        Tensor src = other.shape().equals(shape) ? other : other.expand(shape.toArray());
        backend().copy(src, this);
        return this;
    }

    /** Sets every element to {@code value}; returns this. */
    public Tensor fill(double value) {
        backend().fill(this, value);
        return this;
    }

    /**
     * The same elements in a new shape; one dimension may be -1 (inferred). A view when this tensor is
     * contiguous, a copy otherwise.
     */
    public Tensor reshape(int... newShape) {
        Shape target = inferShape(newShape);
        Tensor src = contiguous();
        return new Tensor(src.storage, target, target.contiguousStrides(), src.offset);
    }

    /** Like {@link #reshape} but never copies: fails on a non-contiguous tensor. */
    public Tensor view(int... newShape) {
        if (!isContiguous()) {
            throw new IllegalStateException("view" + Arrays.toString(newShape) + " of a non-contiguous tensor " + shape
                    + " with strides " + Arrays.toString(strides) + ": call contiguous() or reshape()");
        }
        return reshape(newShape);
    }

    private Shape inferShape(int[] newShape) {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1) {
                if (inferred >= 0) {
                    throw new ShapeMismatchException("reshape: more than one -1 in " + Arrays.toString(newShape));
                }
                inferred = i;
            } else {
                known *= newShape[i];
            }
        }
        int[] dims = newShape.clone();
        if (inferred >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new ShapeMismatchException("reshape: cannot reshape " + shape + " into " + Arrays.toString(newShape));
            }
            dims[inferred] = (int) (numel() / known);
        }
        Shape target = Shape.of(dims);
        if (target.numel() != numel()) {
            throw new ShapeMismatchException("reshape: cannot reshape " + shape + " (" + numel() + " elements) into "
                    + target + " (" + target.numel() + " elements)");
        }
        return target;
    }

    /** A view with the dimensions reordered: dimension {@code i} of the result is {@code order[i]} of this one. */
    public Tensor permute(int... order) {
        if (order.length != rank()) {
            throw new ShapeMismatchException("permute: order " + Arrays.toString(order) + " does not match shape " + shape);
        }
        int[] dims = new int[order.length];
        int[] st = new int[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = shape.normalize(order[i]);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: dimension " + d + " repeated in " + Arrays.toString(order));
            }
            seen[d] = true;
            dims[i] = shape.dim(d);
            st[i] = strides[d];
        }
        return new Tensor(storage, Shape.of(dims), st, offset);
    }

    /** A view with two dimensions swapped. */
    public Tensor transpose(int d0, int d1) {
        int a = shape.normalize(d0);
        int b = shape.normalize(d1);
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** The transpose of a 2-D tensor, or of the last two dimensions of a batch. */
    public Tensor t() {
        if (rank() < 2) {
            throw new ShapeMismatchException("t: needs at least 2 dimensions, got shape " + shape);
        }
        return transpose(-2, -1);
    }

    /** A view of {@code length} entries from {@code start} along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        return slice(dim, start, start + length, 1);
    }

    /** A view of entries {@code start, start+step, ...} below {@code end} along {@code dim} (Python's {@code a[start:end:step]}). */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = shape.normalize(dim);
        int size = shape.dim(d);
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        if (start < 0 || end > size || start > end) {
            throw new IndexOutOfBoundsException("slice: range [" + start + ", " + end + ") out of bounds for dimension "
                    + d + " of size " + size + " in shape " + shape);
        }
        int[] dims = shape.toArray();
        dims[d] = (end - start + step - 1) / step;
        int[] st = strides.clone();
        st[d] = strides[d] * step;
        return new Tensor(storage, Shape.of(dims), st, offset + start * strides[d]);
    }

    /** The sub-tensor at {@code index} along {@code dim}, with that dimension removed. */
    public Tensor select(int dim, int index) {
        int d = shape.normalize(dim);
        checkIndex(index, shape.dim(d), "select along dimension " + d);
        return narrow(d, index, 1).squeeze(d);
    }

    /**
     * A view broadcast to {@code target} (NumPy rules: size-1 dimensions stretch with stride 0, new leading
     * dimensions are added); -1 keeps a size.
     */
    public Tensor expand(int... target) {
        if (target.length < rank()) {
            throw new ShapeMismatchException("expand: cannot expand shape " + shape + " to " + Arrays.toString(target));
        }
        int lead = target.length - rank();
        int[] dims = new int[target.length];
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            int want = target[i];
            if (i < lead) {
                if (want < 0) {
                    throw new ShapeMismatchException("expand: -1 not allowed for new dimension " + i + " in " + Arrays.toString(target));
                }
                dims[i] = want;
                st[i] = 0;
                continue;
            }
            int have = shape.dim(i - lead);
            if (want == -1 || want == have) {
                dims[i] = have;
                st[i] = strides[i - lead];
            } else if (have == 1) {
                dims[i] = want;
                st[i] = 0;
            } else {
                throw new ShapeMismatchException("expand: cannot expand shape " + shape + " to " + Arrays.toString(target)
                        + " (dimension " + i + ": " + have + " vs " + want + ")");
            }
        }
        return new Tensor(storage, Shape.of(dims), st, offset);
    }

    /** {@link #expand} to a shape. */
    public Tensor broadcastTo(Shape target) {
        return expand(target.toArray());
    }

    /** A view without the size-1 dimension {@code dim}. */
    public Tensor squeeze(int dim) {
        int d = shape.normalize(dim);
        if (shape.dim(d) != 1) {
            throw new ShapeMismatchException("squeeze: dimension " + d + " of shape " + shape + " has size " + shape.dim(d) + ", not 1");
        }
        int[] dims = new int[rank() - 1];
        int[] st = new int[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i != d) {
                dims[j] = shape.dim(i);
                st[j++] = strides[i];
            }
        }
        return new Tensor(storage, Shape.of(dims), st, offset);
    }

    /** A view with a new size-1 dimension inserted at {@code dim} (negative counts from the end of the result). */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + rank() + 1 : dim;
        if (d < 0 || d > rank()) {
            throw new IndexOutOfBoundsException("unsqueeze: dimension " + dim + " out of range for shape " + shape);
        }
        int[] dims = new int[rank() + 1];
        int[] st = new int[rank() + 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i == d) {
                dims[i] = 1;
                st[i] = d < rank() ? strides[d] * shape.dim(d) : 1;
            } else {
                dims[i] = shape.dim(j);
                st[i] = strides[j++];
            }
        }
        return new Tensor(storage, Shape.of(dims), st, offset);
    }

    // ---- conversion and data access ----------------------------------------------------------------

    /** This tensor on {@code device} (itself if already there). */
    public Tensor to(Device device) {
        if (device.equals(device())) {
            return this;
        }
        Tensor host = device().type() == Device.Type.CPU ? contiguous() : backend().toHost(this);
        return device.type() == Device.Type.CPU ? host : Backends.forDevice(device).fromHost(host);
    }

    /** A copy converted to {@code dtype} (itself if it already has it). Float → F16/BF16 rounds to nearest even. */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) {
            return this;
        }
        Tensor out = empty(shape, dtype, device());
        backend().copy(this, out);
        return out;
    }

    /** The elements in row-major order as floats (converted from F16/BF16/I64). */
    public float[] toFloatArray() {
        return ((CpuStorage) to(Device.CPU).to(DType.F32).contiguousCopyStorage()).floats();
    }

    /** The elements in row-major order as longs (I64 tensors). */
    public long[] toLongArray() {
        return ((CpuStorage) to(Device.CPU).to(DType.I64).contiguousCopyStorage()).longs();
    }

    private Storage contiguousCopyStorage() {
        Tensor c = copy();
        return c.storage;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new ShapeMismatchException("item: tensor of shape " + shape + " has " + numel() + " elements, not 1");
        }
        return toFloatArray()[0];
    }

    /** One element, by index in every dimension (slow: for tests and inspection). */
    public float get(int... index) {
        if (index.length != rank()) {
            throw new ShapeMismatchException("get: " + index.length + " indices for shape " + shape);
        }
        int pos = offset;
        for (int i = 0; i < index.length; i++) {
            checkIndex(index[i], shape.dim(i), "dimension " + i + " of shape " + shape);
            pos += index[i] * strides[i];
        }
        return new Tensor(storage, Shape.scalar(), new int[0], pos).item();
    }

    private static void checkIndex(int index, int size, String where) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for size " + size + " (" + where + ")");
        }
    }

    // ---- arithmetic --------------------------------------------------------------------------------

    /** {@code this + o}, elementwise with broadcasting. */
    public Tensor add(Tensor o) {
        return backend().binary(BinaryOp.ADD, this, o);
    }

    /** {@code this - o}, elementwise with broadcasting. */
    public Tensor sub(Tensor o) {
        return backend().binary(BinaryOp.SUB, this, o);
    }

    /** {@code this * o}, elementwise with broadcasting. */
    public Tensor mul(Tensor o) {
        return backend().binary(BinaryOp.MUL, this, o);
    }

    /** {@code this / o}, elementwise with broadcasting. */
    public Tensor div(Tensor o) {
        return backend().binary(BinaryOp.DIV, this, o);
    }

    /** {@code this} raised to {@code o}, elementwise with broadcasting. */
    public Tensor pow(Tensor o) {
        return backend().binary(BinaryOp.POW, this, o);
    }

    /** The larger of the two, elementwise with broadcasting (NaN if either is NaN). */
    public Tensor maximum(Tensor o) {
        return backend().binary(BinaryOp.MAXIMUM, this, o);
    }

    /** The smaller of the two, elementwise with broadcasting (NaN if either is NaN). */
    public Tensor minimum(Tensor o) {
        return backend().binary(BinaryOp.MINIMUM, this, o);
    }

    /** {@code this + s} for every element. */
    public Tensor add(double s) {
        return add(scalarLike(s));
    }

    /** {@code this - s} for every element. */
    public Tensor sub(double s) {
        return sub(scalarLike(s));
    }

    /** {@code this * s} for every element. */
    public Tensor mul(double s) {
        return mul(scalarLike(s));
    }

    /**
     * Inverted dropout with the mask at an explicit position of {@code seed}'s stream: element {@code i} is zeroed
     * unless Bernoulli draw {@code counter + i} (probability {@code 1-p}) succeeds, and scaled by {@code 1/(1-p)}
     * otherwise. Calling it again with the same position (on the gradient, in the backward pass) applies the
     * same mask.
     */
    public Tensor dropout(double p, long seed, long counter) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1), got " + p);
        }
        return backend().dropout(this, p, seed, counter);
    }

    /** {@code this / s} for every element. */
    public Tensor div(double s) {
        return div(scalarLike(s));
    }

    /** Every element raised to {@code s}. */
    public Tensor pow(double s) {
        return pow(scalarLike(s));
    }

    /** A 0-d F32 tensor on this tensor's device. */
    public Tensor scalarLike(double value) {
        return full(Shape.scalar(), value, DType.F32, device());
    }

    /** {@code op} applied to every element. */
    public Tensor unary(UnaryOp op) {
        return backend().unary(op, this);
    }

    /** {@code -x} for every element. */
    public Tensor neg() {
        return unary(UnaryOp.NEG);
    }

    /** {@code |x|} for every element. */
    public Tensor abs() {
        return unary(UnaryOp.ABS);
    }

    /** {@code e^x} for every element. */
    public Tensor exp() {
        return unary(UnaryOp.EXP);
    }

    /** The natural logarithm of every element. */
    public Tensor log() {
        return unary(UnaryOp.LOG);
    }

    /** The square root of every element. */
    public Tensor sqrt() {
        return unary(UnaryOp.SQRT);
    }

    /** {@code 1 / sqrt(x)} for every element. */
    public Tensor rsqrt() {
        return unary(UnaryOp.RSQRT);
    }

    /** The hyperbolic tangent of every element. */
    public Tensor tanh() {
        return unary(UnaryOp.TANH);
    }

    /** {@code 1 / (1 + e^-x)} for every element. */
    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    /** {@code max(x, 0)} for every element. */
    public Tensor relu() {
        return unary(UnaryOp.RELU);
    }

    /** Exact (erf) GELU. */
    public Tensor gelu() {
        return unary(UnaryOp.GELU);
    }

    /** Tanh-approximated GELU. */
    public Tensor geluTanh() {
        return unary(UnaryOp.GELU_TANH);
    }

    /** Elementwise comparison with broadcasting: an F32 tensor of 1 where {@code op} holds, else 0. */
    public Tensor compare(CompareOp op, Tensor o) {
        return backend().compare(op, this, o);
    }

    /** 1 where {@code this == o}, else 0 (F32, broadcasting). */
    public Tensor eq(Tensor o) {
        return compare(CompareOp.EQ, o);
    }

    /** 1 where {@code this > o}, else 0 (F32, broadcasting). */
    public Tensor gt(Tensor o) {
        return compare(CompareOp.GT, o);
    }

    /** 1 where {@code this < o}, else 0 (F32, broadcasting). */
    public Tensor lt(Tensor o) {
        return compare(CompareOp.LT, o);
    }

    /** {@code cond != 0 ? a : b} with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return a.backend().where(cond, a, b);
    }

    /** {@code value} where {@code mask != 0}, else this tensor's element. */
    public Tensor maskedFill(Tensor mask, double value) {
        return where(mask, scalarLike(value), this);
    }

    // ---- reductions --------------------------------------------------------------------------------

    /** Reduces over {@code dims} (all dimensions when none are given); {@code keepDim} keeps them as size 1. */
    public Tensor reduce(ReduceOp op, boolean keepDim, int... dims) {
        return backend().reduce(op, this, normalizeDims(dims), keepDim);
    }

    /** Sum of all elements (0-d). */
    public Tensor sum() {
        return reduce(ReduceOp.SUM, false);
    }

    /** Sum over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Tensor sum(boolean keepDim, int... dims) {
        return reduce(ReduceOp.SUM, keepDim, dims);
    }

    /** Mean of all elements (0-d). */
    public Tensor mean() {
        return reduce(ReduceOp.MEAN, false);
    }

    /** Mean over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Tensor mean(boolean keepDim, int... dims) {
        return reduce(ReduceOp.MEAN, keepDim, dims);
    }

    /** Maximum over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Tensor max(boolean keepDim, int... dims) {
        return reduce(ReduceOp.MAX, keepDim, dims);
    }

    /** Minimum over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Tensor min(boolean keepDim, int... dims) {
        return reduce(ReduceOp.MIN, keepDim, dims);
    }

    /** I64 indices of the largest element along {@code dim}. */
    public Tensor argmax(int dim, boolean keepDim) {
        return backend().argmax(this, shape.normalize(dim), keepDim);
    }

    /** Sums this (broadcast) tensor down to {@code target}, the shape it was broadcast from. */
    public Tensor sumTo(Shape target) {
        if (shape.equals(target)) {
            return this;
        }
        int lead = rank() - target.rank();
        if (lead < 0) {
            throw new ShapeMismatchException("sumTo: shape " + shape + " cannot be reduced to " + target);
        }
        int[] dims = new int[rank()];
        int n = 0;
        for (int i = 0; i < rank(); i++) {
            if (i < lead) {
                dims[n++] = i;
            } else if (target.dim(i - lead) == 1 && shape.dim(i) != 1) {
                dims[n++] = i;
            } else if (target.dim(i - lead) != shape.dim(i)) {
                throw new ShapeMismatchException("sumTo: shape " + shape + " cannot be reduced to " + target);
            }
        }
        Tensor r = n == 0 ? this : reduce(ReduceOp.SUM, true, Arrays.copyOf(dims, n));
        return r.reshape(target.toArray());
    }

    private int[] normalizeDims(int[] dims) {
        int[] out = new int[dims.length];
        boolean[] seen = new boolean[rank()];
        for (int i = 0; i < dims.length; i++) {
            out[i] = shape.normalize(dims[i]);
            if (seen[out[i]]) {
                throw new IllegalArgumentException("dimension " + out[i] + " repeated in " + Arrays.toString(dims));
            }
            seen[out[i]] = true;
        }
        Arrays.sort(out);
        return out;
    }

    // ---- linear algebra, normalisation, indexing ---------------------------------------------------

    /** Matrix product with {@code torch.matmul} semantics (batched, broadcasting, transposed views without copies). */
    public Tensor matmul(Tensor o) {
        return backend().matmul(this, o);
    }

    /**
     * {@code this·weightᵀ + bias}, PyTorch's {@code F.linear}: this {@code [..., in]}, {@code weight [out, in]}
     * (read transposed in place), {@code bias [out]} or null → {@code [..., out]}.
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        return backend().linear(this, weight, bias);
    }

    /**
     * {@code activation(this·weightᵀ + bias)}: a linear layer followed by an elementwise function, the same
     * values as {@code linear(weight, bias).unary(activation)}. The CPU backend applies the function to each
     * block of the product while it is still in cache, saving a pass over the output.
     */
    public Tensor linear(Tensor weight, Tensor bias, UnaryOp activation) {
        return backend().linear(this, weight, bias, activation);
    }

    /**
     * {@link #matmul} with both operands rounded to {@code operand} (F16 or BF16) and F32 sums, as autocast
     * multiplies ({@link Backend#matmulReduced}); the result is F32.
     */
    public Tensor matmulReduced(Tensor o, DType operand) {
        return backend().matmulReduced(this, o, operand);
    }

    /**
     * {@link #linear(Tensor, Tensor, UnaryOp)} with this and {@code weight} rounded to {@code operand}; bias, sums
     * and activation (null for none) in F32 ({@link Backend#linearReduced}).
     */
    public Tensor linearReduced(Tensor weight, Tensor bias, UnaryOp activation, DType operand) {
        return backend().linearReduced(this, weight, bias, activation, operand);
    }

    /** Softmax along {@code dim}. */
    public Tensor softmax(int dim) {
        return backend().softmax(this, shape.normalize(dim), 1.0, null, false);
    }

    /** Log-softmax along {@code dim}, computed stably. */
    public Tensor logSoftmax(int dim) {
        return backend().softmax(this, shape.normalize(dim), 1.0, null, true);
    }

    /**
     * Scaled dot-product attention with this tensor as the queries, {@code softmax(scale·q·kᵀ + mask)·v}
     * (PyTorch's {@code scaled_dot_product_attention} with an additive float mask): {@code q [..., T, d]},
     * {@code k [..., S, d]}, {@code v [..., S, dv]} → {@code [..., T, dv]}; {@code mask} broadcasts to
     * {@code [..., T, S]} and may be null. Rows whose every position is masked with -inf give zeros. The CPU
     * backend never stores the {@code [T, S]} scores.
     */
    public Tensor scaledDotProductAttention(Tensor k, Tensor v, double scale, Tensor mask) {
        return backend().attention(this, k, v, scale, mask);
    }

    /** Layer norm over the last dimension. */
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        return backend().layerNorm(this, weight, bias, eps).output();
    }

    /** Entries at the I64 1-D {@code index} along {@code dim}. */
    public Tensor indexSelect(int dim, Tensor index) {
        return backend().indexSelect(this, shape.normalize(dim), index);
    }

    /** Concatenation along {@code dim}. */
    public static Tensor concat(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Tensor first = parts.get(0);
        return first.backend().concat(parts, first.shape.normalize(dim));
    }

    /** Stacks equally shaped tensors along a new dimension {@code dim}. */
    public static Tensor stack(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        Shape s0 = parts.get(0).shape;
        Tensor[] expanded = new Tensor[parts.size()];
        for (int i = 0; i < expanded.length; i++) {
            if (!parts.get(i).shape.equals(s0)) {
                throw new ShapeMismatchException("stack: tensor 0 has shape " + s0 + " but tensor " + i + " has shape "
                        + parts.get(i).shape);
            }
            expanded[i] = parts.get(i).unsqueeze(dim);
        }
        return concat(List.of(expanded), dim < 0 ? dim + s0.rank() + 1 : dim);
    }

    // ---- display -----------------------------------------------------------------------------------

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(shape=").append(shape).append(", dtype=").append(dtype())
                .append(", device=").append(device());
        if (numel() <= 16) {
            sb.append(", values=");
            if (dtype() == DType.I64) {
                sb.append(Arrays.toString(toLongArray()));
            } else {
                sb.append(Arrays.toString(toFloatArray()));
            }
        }
        return sb.append(')').toString();
    }
}
