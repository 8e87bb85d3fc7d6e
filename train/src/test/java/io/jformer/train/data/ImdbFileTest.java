package io.jformer.train.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real npm IMDB file (scripts/fetch.sh imdb; CI fetches it): the split rule of the four aclImdb folders. */
class ImdbFileTest {

    static Path reviews() {
        return io.jformer.train.Artifacts.imdbReviews();
    }

    @Test
    void trainAndTestHalvesHave12500ReviewsPerClass() throws IOException {
        for (DataFiles.ImdbSplit split : DataFiles.ImdbSplit.values()) {
            List<Example> ex = DataFiles.readImdbNpm(reviews(), split);
            assertEquals(25_000, ex.size(), split.name());
            assertEquals(12_500, ex.stream().filter(e -> e.label() == 1).count(), split.name());
        }
        List<Example> train = DataFiles.readImdbNpm(reviews(), DataFiles.ImdbSplit.TRAIN);
        // Train starts at the 12,500th entry (train/neg) and its second half is train/pos from 37,500.
        assertEquals("reviews.json#12500", train.get(0).source());
        assertEquals(0, train.get(0).label());
        assertEquals("reviews.json#37500", train.get(12_500).source());
        assertTrue(train.get(12_500).label() == 1);
    }
}
