package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jformer.bert.TestArtifacts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One tokenizer shared by several threads gives each the encodings a lone thread gets. */
class ThreadSafetyTest {
    @Test
    void sharedTokenizerEncodesTheSameFromManyThreads() throws Exception {
        BertTokenizer tok = BertTokenizer.fromTokenizerJson(TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json"));
        List<String> texts = TestArtifacts.imdbTexts(400, 21);
        List<Encoding> expected = new ArrayList<>();
        for (String t : texts) expected.add(tok.encode(t));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Encoding>>> results = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                final int offset = k * 100;
                results.add(pool.submit(() -> {
                    List<Encoding> r = new ArrayList<>();
                    for (int i = 0; i < texts.size(); i++) r.add(tok.encode(texts.get((i + offset) % texts.size())));
                    return r;
                }));
            }
            for (int k = 0; k < 4; k++) {
                List<Encoding> r = results.get(k).get();
                for (int i = 0; i < texts.size(); i++) assertEquals(expected.get((i + k * 100) % texts.size()), r.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
