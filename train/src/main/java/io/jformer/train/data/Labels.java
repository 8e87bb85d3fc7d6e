package io.jformer.train.data;

import java.util.List;
import java.util.Locale;

/**
 * The class names of a task and how raw label values in data files map onto them: a class index
 * ({@code 0}, {@code 1}) or a class name ({@code pos}, {@code negative}, case-insensitive).
 */
public record Labels(List<String> names) {

    /** IMDB sentiment: 0 = negative, 1 = positive. */
    public static final Labels SENTIMENT = new Labels(List.of("negative", "positive"));

    /** Copies {@code names} into an unmodifiable list. */
    public Labels {
        names = List.copyOf(names);
    }

    /** The number of classes. */
    public int size() {
        return names.size();
    }

    /**
     * The class index of a raw label, or an error naming the value, where it was found and the valid labels.
     * Common sentiment spellings (neg/pos, 0/1) map onto negative/positive.
     */
    public int parse(String raw, String where) {
        String v = raw.trim();
        try {
            int i = Integer.parseInt(v);
            if (i >= 0 && i < names.size()) {
                return i;
            }
        } catch (NumberFormatException e) {
            // not an index: try names below
        }
        String lower = v.toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i).toLowerCase(Locale.ROOT);
            if (n.equals(lower) || n.startsWith(lower) && lower.length() >= 3) {
                return i;
            }
        }
        throw new IllegalArgumentException(where + ": label '" + raw + "' is not one of the model's labels "
                + names + " (or an index 0.." + (names.size() - 1) + ")");
    }
}
