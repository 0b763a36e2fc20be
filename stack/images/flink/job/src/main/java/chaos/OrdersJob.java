package chaos;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.regex.Pattern;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The lakehouse's orders job: Debezium change events of the table oltp.orders (topic `oltp.oltp.orders`: the
 * connector's prefix `oltp`, then database and table; JSON without schemas) mapped to order rows and written to
 * the topic `lakehouse.orders`.
 *
 * The `amount` column is DECIMAL(10,2): Debezium sends it as the base64 of its unscaled bytes. The mapping
 * `--amount-mapping strict` (the deployed job) accepts only that; an event whose amount is anything else (the
 * column's type changed upstream) fails the job, which restarts from its last checkpoint and meets the same
 * event again: the runbook's "Flink job keeps restarting" with a schema error in the job manager's log.
 * `--amount-mapping lenient` (the runbook's fixed mapping, like Paimon's allow_non_string_to_string) also
 * accepts a decimal written as text.
 */
public class OrdersJob {
    static final int AMOUNT_SCALE = 2;

    public static void main(String[] args) throws Exception {
        String mapping = option(args, "--amount-mapping", "strict");
        String brokers = option(args, "--brokers", "kafka:9092");
        String topic = option(args, "--topic", "oltp.oltp.orders");
        // committed: where the group's last checkpoint left off (the earliest offset for a partition it never
        // read, e.g. a topic Debezium creates after the job started); latest: skip what is already there
        String start = option(args, "--start", "committed");
        if (!mapping.equals("strict") && !mapping.equals("lenient")) {
            throw new IllegalArgumentException("--amount-mapping must be strict or lenient, got " + mapping);
        }
        if (!start.equals("committed") && !start.equals("latest")) {
            throw new IllegalArgumentException("--start must be committed or latest, got " + start);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(1000);
        KafkaSource<String> source = KafkaSource.<String>builder()
                .setBootstrapServers(brokers)
                // a pattern, discovered every second: the job runs before Debezium's first event creates the topic
                .setTopicPattern(Pattern.compile(Pattern.quote(topic)))
                .setProperty("partition.discovery.interval.ms", "1000")
                .setGroupId("lakehouse-orders")
                .setStartingOffsets(start.equals("latest") ? OffsetsInitializer.latest()
                        : OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setValueOnlyDeserializer(new SimpleStringSchema())
                .build();
        KafkaSink<String> sink = KafkaSink.<String>builder()
                .setBootstrapServers(brokers)
                .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                        .setTopic("lakehouse.orders")
                        .setValueSerializationSchema(new SimpleStringSchema())
                        .build())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), topic)
                .filter(value -> value != null && !value.isEmpty()).name("skip-tombstones")
                .map(new OrderMapping(mapping.equals("lenient"))).name("map-orders-" + mapping)
                .sinkTo(sink).name("lakehouse.orders");
        env.execute("lakehouse-orders");
    }

    static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** Debezium envelope -> {"id", "customer_id", "status", "amount", "op"}. */
    static class OrderMapping implements MapFunction<String, String> {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final boolean lenient;

        OrderMapping(boolean lenient) {
            this.lenient = lenient;
        }

        @Override
        public String map(String value) throws Exception {
            JsonNode event = JSON.readTree(value);
            JsonNode row = event.path("after").isObject() ? event.get("after") : event.path("before");
            ObjectNode out = JSON.createObjectNode();
            out.put("id", row.path("id").asLong());
            out.put("customer_id", row.path("customer_id").asText());
            out.put("status", row.path("status").asText());
            out.put("amount", amount(row.path("amount").asText()).toPlainString());
            out.put("op", event.path("op").asText());
            return JSON.writeValueAsString(out);
        }

        BigDecimal amount(String text) {
            try {
                return new BigDecimal(new BigInteger(Base64.getDecoder().decode(text)), AMOUNT_SCALE);
            } catch (IllegalArgumentException notBytes) {
                if (lenient) {
                    return new BigDecimal(text).setScale(AMOUNT_SCALE);
                }
                throw new IllegalStateException("schema error: oltp.orders.amount is '" + text + "', not the DECIMAL("
                        + "10," + AMOUNT_SCALE + ") bytes the mapping expects (did the column's type change?)",
                        notBytes);
            }
        }
    }
}
