package io.signstream.dashboard;

import io.vertx.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessGuardTest {

    private static final String TOKEN = "abcdefghijklmnop-123";
    private static final HostAndPort LOCAL = HostAndPort.create("127.0.0.1", 8080);

    @Test
    void withoutTokenOnlyLoopbackHostNamesAreServed() {
        AccessGuard open = new AccessGuard(null);
        assertEquals(AccessGuard.Verdict.ALLOW, open.check(null, null, LOCAL));
        assertEquals(AccessGuard.Verdict.ALLOW, open.check(null, null, HostAndPort.create("localhost", 1)));
        // a DNS-rebinding page addresses us by its own name
        assertEquals(AccessGuard.Verdict.FORBIDDEN, open.check(null, null, HostAndPort.create("evil.example", 8080)));
        assertEquals(AccessGuard.Verdict.FORBIDDEN, open.check(null, null, HostAndPort.create("127.evil.example", 80)));
    }

    @Test
    void tokenFromQueryOrCookie() {
        AccessGuard g = new AccessGuard(TOKEN);
        assertEquals(AccessGuard.Verdict.UNAUTHORIZED, g.check(null, null, LOCAL));
        assertEquals(AccessGuard.Verdict.UNAUTHORIZED, g.check("token=wrong", null, LOCAL));
        assertEquals(AccessGuard.Verdict.ALLOW_SET_COOKIE, g.check("a=1&token=" + TOKEN, null, LOCAL));
        assertEquals(AccessGuard.Verdict.ALLOW, g.check(null, "x=1; " + AccessGuard.cookieName(8080) + "=" + TOKEN, LOCAL));
        assertEquals(AccessGuard.Verdict.UNAUTHORIZED, g.check(null, AccessGuard.cookieName(8080) + "=nope", LOCAL));
        // another dashboard on the same host (cookies ignore ports) keeps its own cookie beside ours
        assertEquals(AccessGuard.Verdict.ALLOW, g.check(null, AccessGuard.cookieName(9090) + "=other-token-0123456789; "
                + AccessGuard.cookieName(8080) + "=" + TOKEN, LOCAL));
    }

    @Test
    void websocketOriginMustBeTheDashboard() {
        assertTrue(AccessGuard.sameOrigin(null, LOCAL));
        assertTrue(AccessGuard.sameOrigin("http://127.0.0.1:8080", LOCAL));
        assertFalse(AccessGuard.sameOrigin("http://evil.example", LOCAL));
        assertFalse(AccessGuard.sameOrigin("http://127.0.0.1:9999", LOCAL));
    }

    @Test
    void optionsKnowLoopbackAndRejectWeakTokens() {
        assertTrue(DashboardOptions.defaults().loopbackOnly());
        assertTrue(DashboardOptions.defaults().withHost("localhost").loopbackOnly());
        assertTrue(DashboardOptions.defaults().withHost("::1").loopbackOnly());
        assertFalse(DashboardOptions.defaults().withHost("0.0.0.0").loopbackOnly());
        assertFalse(DashboardOptions.defaults().withHost("dashboard.example").loopbackOnly());
        assertThrows(IllegalArgumentException.class, () -> DashboardOptions.defaults().withToken("short"));
        assertTrue(new DashboardVerticle(DashboardOptions.defaults().withHost("0.0.0.0")).token().length() >= 32);
        assertEquals(null, new DashboardVerticle(DashboardOptions.defaults()).token());
    }
}
