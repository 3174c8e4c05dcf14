package io.signstream.dashboard;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.vertx.core.net.HostAndPort;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Who may use the dashboard. With a token, every request (page, scripts, API, websocket) must carry it as
 * {@code ?token=} or in the cookie the page request sets, so scripts and the websocket of a page opened with
 * {@code ?token=} work without the token in their URLs. Without a token (loopback only), the Host header must
 * name a loopback host, which stops DNS-rebinding pages from reading the stream. Websockets must also come from
 * the dashboard's own origin when the browser sends one (cross-site websocket hijacking).
 */
final class AccessGuard {

    /** Cookie names start with this and end with the port: cookies ignore ports, two dashboards on one host must not. */
    static final String COOKIE = "signstream_token";

    /** Outcome of a check: the HTTP status to answer with, or 0 to go on. */
    enum Verdict {
        ALLOW(0), ALLOW_SET_COOKIE(0), UNAUTHORIZED(401), FORBIDDEN(403);

        final int status;

        Verdict(int status) {
            this.status = status;
        }

        boolean allowed() {
            return status == 0;
        }
    }

    private final byte[] token;

    /** @param token required token, or {@code null} when the server is reachable from loopback only */
    AccessGuard(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean tokenRequired() {
        return token != null;
    }

    /**
     * @param query        raw query string, may be null
     * @param cookieHeader raw Cookie header, may be null
     * @param authority    the Host the client addressed, may be null
     */
    Verdict check(String query, String cookieHeader, HostAndPort authority) {
        if (token == null) {
            return authority != null && loopbackName(authority.host()) ? Verdict.ALLOW : Verdict.FORBIDDEN;
        }
        if (matches(queryToken(query))) {
            return Verdict.ALLOW_SET_COOKIE;
        }
        return cookieMatches(cookieHeader) ? Verdict.ALLOW : Verdict.UNAUTHORIZED;
    }

    /** @return whether a websocket's Origin (when the client sent one) is the dashboard itself */
    static boolean sameOrigin(String origin, HostAndPort authority) {
        if (origin == null) {
            return true; // not a browser: the token or loopback binding is the protection
        }
        if (authority == null) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            int expected = authority.port() >= 0 ? authority.port() : port;
            return authority.host().equalsIgnoreCase(uri.getHost()) && port == expected;
        } catch (Exception e) {
            return false;
        }
    }

    private boolean matches(String candidate) {
        // Constant-time comparison: the answer time must not tell how much of a guess was right.
        return candidate != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

    private static String queryToken(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        List<String> values = new QueryStringDecoder(query, false).parameters().get("token");
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private boolean cookieMatches(String header) {
        if (header == null) {
            return false;
        }
        for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
            if (c.name().startsWith(COOKIE) && matches(c.value())) {
                return true;
            }
        }
        return false;
    }

    /** @return the name of the cookie that carries the token for the dashboard on {@code port} */
    static String cookieName(int port) {
        return COOKIE + "_" + port;
    }

    private static boolean loopbackName(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
                || h.equals("::1") || h.equals("[::1]");
    }
}
