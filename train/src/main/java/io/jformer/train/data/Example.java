package io.jformer.train.data;

/**
 * One labelled text.
 *
 * @param text   the raw text
 * @param label  the class index
 * @param source where it came from ("reviews.json#37512", "train.csv:42"), for error messages
 */
public record Example(String text, int label, String source) {
}
