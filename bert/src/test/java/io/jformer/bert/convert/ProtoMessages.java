package io.jformer.bert.convert;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Builds small protobuf messages field by field, for the synthetic ONNX and TensorBundle files of the tests. */
final class ProtoMessages {

    private ProtoMessages() {
    }

    /** Writes a message's fields. */
    interface Writer {
        void write(CodedOutputStream o) throws IOException;
    }

    /** The bytes of the message {@code w} writes. */
    static byte[] message(Writer w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        w.write(o);
        o.flush();
        return b.toByteArray();
    }
}
