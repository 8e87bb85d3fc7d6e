package io.jformer.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntFunction;

/** Modules named by their index ({@code layer.0}, {@code layer.1}, …), as PyTorch's {@code nn.ModuleList}. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {

    private final List<M> items = new ArrayList<>();

    /** {@code count} modules made by {@code factory(i)}. */
    public ModuleList(int count, IntFunction<M> factory) {
        for (int i = 0; i < count; i++) {
            items.add(child(Integer.toString(i), factory.apply(i)));
        }
    }

    /** Module {@code i} (registered under the name {@code "i"}). */
    public M get(int i) {
        return items.get(i);
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return items.iterator();
    }
}
