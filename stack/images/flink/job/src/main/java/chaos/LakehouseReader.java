package chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.paimon.Snapshot;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.source.ReadBuilder;

/**
 * What a lakehouse user sees: reads the committed rows of `lakehouse.orders` (Paimon's table read on the newest
 * snapshot, from MinIO) and serves them over HTTP on :8082.
 *   GET /health                     200 once the server runs (it does not touch MinIO)
 *   GET /orders?customer_id=X       {"snapshot": id|null, "committedAt": ms|null, "rows": [{id, customer_id,
 *                                   status, amount}]} with the rows of that customer (all rows without it)
 * A row the job has read but not yet committed (its checkpoint has not completed) is not there.
 */
public final class LakehouseReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(OrdersJob.option(args, "--port", "8082"));
        Catalog catalog = Lakehouse.catalog();
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/health", exchange -> reply(exchange, 200, "{\"status\":\"ok\"}"));
        server.createContext("/orders", exchange -> {
            try {
                String customer = query(exchange).get("customer_id");
                reply(exchange, 200, JSON.writeValueAsString(read(catalog, customer)));
            } catch (Catalog.TableNotExistException missing) {
                reply(exchange, 404, "{\"error\":\"no table lakehouse.orders yet\"}");
            } catch (Exception failed) {
                reply(exchange, 503, JSON.writeValueAsString(JSON.createObjectNode().put("error", failed.toString())));
            }
        });
        server.start();
        System.out.println("lakehouse reader on :" + port);
    }

    static ObjectNode read(Catalog catalog, String customer) throws Exception {
        Table table = catalog.getTable(Lakehouse.ORDERS);
        ObjectNode out = JSON.createObjectNode();
        Optional<Snapshot> snapshot = table.latestSnapshot();
        out.put("snapshot", snapshot.map(Snapshot::id).orElse(null));
        out.put("committedAt", snapshot.map(Snapshot::timeMillis).orElse(null));
        ArrayNode rows = out.putArray("rows");
        ReadBuilder builder = table.newReadBuilder();
        try (RecordReader<InternalRow> reader = builder.newRead().createReader(builder.newScan().plan().splits())) {
            reader.forEachRemaining(row -> {
                if (customer == null || customer.equals(row.getString(1).toString())) {
                    ObjectNode r = rows.addObject();
                    r.put("id", row.getLong(0));
                    r.put("customer_id", row.getString(1).toString());
                    r.put("status", row.getString(2).toString());
                    r.put("amount", row.getDecimal(3, 10, OrdersJob.AMOUNT_SCALE).toBigDecimal().toPlainString());
                }
            });
        }
        return out;
    }

    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return params;
    }

    static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(bytes);
        }
    }
}
