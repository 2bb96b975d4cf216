package io.github.jcnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Map<String, Object> m = Json.parseObject(
                " {\"a\": [1, -2, 3.5, 1e3], \"s\": \"x\\\"y\\n\\u00e9\", \"t\": true, \"f\": false, \"n\": null,"
                        + " \"o\": {}, \"e\": []} ");
        assertThat(m.get("a")).isEqualTo(List.of(1L, -2L, 3.5, 1000.0));
        assertThat(m.get("s")).isEqualTo("x\"y\n\u00e9");
        assertThat(m.get("t")).isEqualTo(true);
        assertThat(m.get("f")).isEqualTo(false);
        assertThat(m).containsEntry("n", null);
        assertThat(m.get("o")).isEqualTo(Map.of());
        assertThat(m.get("e")).isEqualTo(List.of());
        assertThat(m.keySet()).containsExactly("a", "s", "t", "f", "n", "o", "e");
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", new int[] {6, 3, 5, 5});
        m.put("name", "tab\there \"quoted\" \\ \u0001");
        m.put("rate", 0.25);
        m.put("whole", 2.0);
        m.put("list", List.of(true, "x"));
        String text = Json.write(m);
        assertThat(text).startsWith("{\"shape\":[6,3,5,5],");
        Map<String, Object> back = Json.parseObject(text);
        assertThat(back.get("shape")).isEqualTo(List.of(6L, 3L, 5L, 5L));
        assertThat(back.get("name")).isEqualTo(m.get("name"));
        assertThat(back.get("rate")).isEqualTo(0.25);
        assertThat(back.get("whole")).isEqualTo(2L);
        assertThat(Json.write(back)).isEqualTo(text);
    }

    @Test
    void refusesMalformedTextNamingThePosition() {
        assertThatThrownBy(() -> Json.parse("{\"a\": 1,}")).hasMessageContaining("at character 8");
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("end of JSON");
        assertThatThrownBy(() -> Json.parse("{\"a\": 1} x")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("{\"a\": 1, \"a\": 2}")).hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> Json.parse("[".repeat(100_000))).hasMessageContaining("deeper than 64");
        assertThatThrownBy(() -> Json.parseObject("[1]")).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> Json.write(Double.NaN)).hasMessageContaining("NaN");
    }
}
