package io.signstream.dashboard;

import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The page's files, read once from the classpath ({@code webroot/}) at start. Serving a fixed list of small
 * files from memory needs no web framework, no file cache on disk and no path handling that could escape.
 */
final class WebResources {

    /** A file ready to send. */
    record Resource(Buffer body, String contentType) {
    }

    static final String[] FILES = {"index.html", "app.js", "render.js", "charts.js", "monitoring.js", "style.css"};

    private final Map<String, Resource> byPath;

    private WebResources(Map<String, Resource> byPath) {
        this.byPath = byPath;
    }

    /** Blocking classpath reads: call from a worker. */
    static WebResources load() {
        Map<String, Resource> map = new HashMap<>();
        for (String name : FILES) {
            map.put("/" + name, new Resource(Buffer.buffer(read("webroot/" + name)), contentType(name)));
        }
        map.put("/", map.get("/index.html"));
        return new WebResources(map);
    }

    /** @return the file for a request path, or {@code null} */
    Resource get(String path) {
        return byPath.get(path);
    }

    private static byte[] read(String name) {
        try (InputStream in = WebResources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "text/css; charset=utf-8";
    }
}
