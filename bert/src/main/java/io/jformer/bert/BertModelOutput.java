package io.jformer.bert;

import io.jformer.autograd.Variable;

/**
 * What {@link BertModel} computes.
 *
 * @param lastHiddenState {@code [batch, seq, hidden]}
 * @param pooled          {@code [batch, hidden]}: tanh(dense([CLS])), or null for a model without a pooler
 */
public record BertModelOutput(Variable lastHiddenState, Variable pooled) {
}
