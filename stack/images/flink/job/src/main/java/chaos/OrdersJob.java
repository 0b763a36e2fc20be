package chaos;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.regex.Pattern;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.types.RowKind;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.paimon.flink.LogicalTypeConversion;
import org.apache.paimon.flink.sink.FlinkSinkBuilder;
import org.apache.paimon.table.Table;

/**
 * The lakehouse's orders job: Debezium change events of the table oltp.orders (topic `oltp.oltp.orders`: the
 * connector's prefix `oltp`, then database and table; JSON without schemas) mapped to order rows and written to
 * the Paimon table `lakehouse.orders` (primary key `id`) in a filesystem catalog on MinIO (see {@link Lakehouse}).
 * Paimon's sink writes data files at each checkpoint and commits a snapshot when the checkpoint completes: when
 * MinIO cannot be reached, the checkpoints expire and nothing is committed until it answers again.
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
        Table table = Lakehouse.ordersTable(Lakehouse.catalog());
        InternalTypeInfo<RowData> rowType =
                InternalTypeInfo.of(LogicalTypeConversion.toLogicalType(table.rowType()));
        new FlinkSinkBuilder(table).forRowData(
                env.fromSource(source, WatermarkStrategy.noWatermarks(), topic)
                        .filter(value -> value != null && !value.isEmpty()).name("skip-tombstones")
                        .map(new OrderMapping(mapping.equals("lenient"))).name("map-orders-" + mapping)
                        .returns(rowType))
                .build();
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

    /** Debezium envelope -> a row (id, customer_id, status, amount) of the change's kind: create and snapshot
     * read -> insert, update -> update-after, delete -> delete of the row before. */
    static class OrderMapping implements MapFunction<String, RowData> {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final boolean lenient;

        OrderMapping(boolean lenient) {
            this.lenient = lenient;
        }

        @Override
        public RowData map(String value) throws Exception {
            JsonNode event = JSON.readTree(value);
            String op = event.path("op").asText();
            JsonNode row = event.path("after").isObject() ? event.get("after") : event.path("before");
            RowKind kind = op.equals("d") ? RowKind.DELETE : op.equals("u") ? RowKind.UPDATE_AFTER : RowKind.INSERT;
            return GenericRowData.ofKind(kind,
                    row.path("id").asLong(),
                    StringData.fromString(row.path("customer_id").asText()),
                    StringData.fromString(row.path("status").asText()),
                    DecimalData.fromBigDecimal(amount(row.path("amount").asText()), 10, AMOUNT_SCALE));
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
