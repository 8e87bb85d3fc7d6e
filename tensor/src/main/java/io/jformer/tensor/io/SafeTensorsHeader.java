package io.jformer.tensor.io;

import java.util.Map;

/**
 * A parsed and validated safetensors header.
 *
 * @param metadata the {@code __metadata__} strings, in file order (empty when the file has none)
 * @param tensors  the tensor entries, in file order
 */
record SafeTensorsHeader(Map<String, String> metadata, Map<String, TensorInfo> tensors) {
}
