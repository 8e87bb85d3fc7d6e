package io.jformer.bert;

import java.util.List;

/**
 * A model loaded from a checkpoint, with what the loading matched, as Hugging Face reports it.
 *
 * @param newlyInitialized parameters the checkpoint did not have, left at their fresh initialisation
 *                         (a new classification head, a pooler the checkpoint lacks) — train before use
 * @param unexpected       checkpoint tensors the model has no place for (e.g. a pre-training head), ignored
 */
public record Pretrained<M>(M model, List<String> newlyInitialized, List<String> unexpected) {
}
