/*
 * beckon.js: the Beckon beacon and chat widget.
 *
 *   <script defer src="https://HOST/beckon.js" data-site="site_demo"></script>
 *
 * The beacon reports what the visitor does to POST /v1/collect: page views
 * (single-page-app route changes included), heartbeats while the page is
 * visible, scroll depth, visibility, exit intent and page leave. The widget
 * listens on GET /v1/stream (server-sent events) for proactive messages,
 * shows them in a chat panel, and sends replies to /v1/reply and
 * delivered/read receipts to /v1/ack. Everything the visitor reads is set as
 * text, never parsed as markup, and nothing here may throw into the page.
 *
 * Optional script attributes: data-title (panel heading), data-color (accent
 * colour), data-api (API base URL, default: the origin of this script).
 *
 * Stable DOM hooks: #beckon-widget (the container), .beckon-message with
 * data-message-id (one message's text), .beckon-quick-reply with data-value,
 * #beckon-input, #beckon-send, and .beckon-reply (the visitor's own replies).
 *
 * Page API: window.beckon = {visitorId, site, identify(attrs),
 * track(name, props), open(), close()}. A page may queue calls before the
 * script loads: window.beckon = window.beckon || []; beckon.push(['track', 'x']).
 */
(() => {
  'use strict';
  try {
    main();
  } catch (e) { /* Beckon must never break the page */ }

  function main() {
    const w = window, d = document, nav = navigator;
    const noop = () => {};
    // safe wraps a callback so that an error inside Beckon never reaches the page.
    const safe = fn => function () {
      try { return fn.apply(this, arguments); } catch (e) { return undefined; }
    };
    const str = v => (v == null ? '' : String(v));
    const hidden = () => d.visibilityState !== 'visible';
    const whenBody = fn => (d.body ? fn() : d.addEventListener('DOMContentLoaded', safe(fn)));

    const me = d.currentScript || d.querySelector('script[data-site][src*="beckon"]') ||
      d.querySelector('script[data-site]');
    const site = me && me.getAttribute('data-site');
    if (!site || (w.beckon && w.beckon.visitorId)) return;
    const base = (me.getAttribute('data-api') ||
      new URL(me.src || location.href, location.href).origin).replace(/\/+$/, '');
    const title = me.getAttribute('data-title') || 'Chat with us';
    const color = me.getAttribute('data-color');

    // ---- visitor id: first-party, in localStorage and a cookie ----

    const VID = 'beckon_vid';
    const okId = v => typeof v === 'string' && /^v_[\w-]{8,64}$/.test(v);

    function randomId() {
      const a = new Uint8Array(12);
      try {
        crypto.getRandomValues(a);
      } catch (e) {
        for (let i = 0; i < a.length; i++) a[i] = Math.random() * 256;
      }
      return 'v_' + Array.from(a, b => (b < 16 ? '0' : '') + b.toString(16)).join('');
    }

    function visitorId() {
      let v = null;
      try { v = localStorage.getItem(VID); } catch (e) { /* storage blocked */ }
      try {
        if (!okId(v)) v = (d.cookie.match(/(?:^|;\s*)beckon_vid=([^;]*)/) || [])[1];
      } catch (e) { /* cookies blocked */ }
      if (!okId(v)) v = randomId();
      try { localStorage.setItem(VID, v); } catch (e) { /* storage blocked */ }
      try {
        d.cookie = VID + '=' + v + ';path=/;max-age=31536000;SameSite=Lax' +
          (location.protocol === 'https:' ? ';Secure' : '');
      } catch (e) { /* cookies blocked */ }
      return v;
    }

    const vid = visitorId();

    // ---- transport: JSON sent as text/plain, so no CORS preflight ----

    function post(path, body) {
      try {
        const s = JSON.stringify(body);
        fetch(base + path, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: s,
          keepalive: s.length < 32768,
        }).catch(noop);
      } catch (e) { /* nothing to do */ }
    }

    const makeEvent = (type, fields) => Object.assign({ site, visitor_id: vid, type }, fields);
    const send = (type, fields) => post('/v1/collect', makeEvent(type, fields));

    // beacon survives the page being unloaded.
    function beacon(body) {
      try {
        const blob = new Blob([JSON.stringify(body)], { type: 'text/plain' });
        if (nav.sendBeacon(base + '/v1/collect', blob)) return;
      } catch (e) { /* fall back to fetch */ }
      post('/v1/collect', body);
    }

    function deviceType() {
      const ua = nav.userAgent || '';
      if (/iPad|Tablet|Kindle|Silk|PlayBook/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua)) ||
        (/Macintosh/i.test(ua) && nav.maxTouchPoints > 1)) return 'tablet';
      if (/Mobi|iPhone|iPod|Android|BlackBerry|IEMobile|Opera Mini/i.test(ua) ||
        (nav.userAgentData && nav.userAgentData.mobile)) return 'mobile';
      if (w.matchMedia && w.matchMedia('(pointer:coarse)').matches) {
        return Math.min(screen.width, screen.height) < 600 ? 'mobile' : 'tablet';
      }
      return 'desktop';
    }
    const device = deviceType();

    // ---- page state: one page view at a time ----

    let pageKey = null; // path + search of the current page view
    let pageUrl = '';
    let left = false; // page_leave sent; nothing more until the next page view
    let beatTimer = 0;
    let exitSent = false;
    let maxDepth = 0, sentDepth = 0, lastScroll = 0, scrollTimer = 0;

    function pageView() {
      const key = location.pathname + location.search;
      if (key === pageKey) return;
      if (scrollTimer) flushScroll();
      const referrer = pageKey === null ? d.referrer : pageUrl;
      pageKey = key;
      pageUrl = location.href;
      left = exitSent = false;
      maxDepth = sentDepth = 0;
      send('page_view', { url: pageUrl, title: d.title, referrer, device });
      if (hidden()) send('visibility', { state: 'hidden' });
      beat();
    }

    // beat (re)starts the 15 s heartbeat, or stops it when hidden or gone.
    function beat() {
      clearInterval(beatTimer);
      beatTimer = 0;
      if (!left && !hidden()) beatTimer = setInterval(safe(() => send('heartbeat')), 15000);
    }

    function depthNow() {
      const de = d.documentElement, b = d.body || de;
      const height = Math.max(de.scrollHeight, b.scrollHeight, 1);
      const bottom = (w.pageYOffset || de.scrollTop || 0) + w.innerHeight;
      return Math.min(100, Math.round(bottom / height * 100));
    }

    // Scroll depth goes out when it grows by 10 points or reaches 100, at most
    // once a second, with a trailing send.
    function onScroll() {
      if (left || pageKey === null) return;
      maxDepth = Math.max(maxDepth, depthNow());
      if (maxDepth < sentDepth + 10 && !(maxDepth === 100 && sentDepth < 100)) return;
      const wait = lastScroll + 1000 - Date.now();
      if (wait <= 0) flushScroll();
      else if (!scrollTimer) scrollTimer = setTimeout(safe(flushScroll), wait);
    }

    function flushScroll() {
      clearTimeout(scrollTimer);
      scrollTimer = 0;
      if (left || maxDepth <= sentDepth) return;
      sentDepth = maxDepth;
      lastScroll = Date.now();
      send('scroll', { depth: maxDepth });
    }

    function onVisibility() {
      if (left || pageKey === null) return;
      send('visibility', { state: hidden() ? 'hidden' : 'visible' });
      beat();
      readPending();
    }

    function onMouseOut(e) {
      if (device !== 'desktop' || exitSent || left || pageKey === null) return;
      if (e.relatedTarget || e.clientY > 0) return;
      exitSent = true;
      send('exit_intent');
    }

    function onPageHide() {
      if (left || pageKey === null) return;
      if (scrollTimer) flushScroll();
      left = true;
      beat();
      beacon(makeEvent('page_leave'));
      disconnect();
    }

    // A page restored from the back/forward cache is a new page view.
    function onPageShow(e) {
      if (!e.persisted) return;
      pageKey = null;
      pageView();
      connect();
    }

    // Route changes are checked a moment later, once the app has set its title.
    const route = safe(() => {
      if (!left && pageKey !== null) pageView();
    });
    const routeSoon = () => setTimeout(route, 100);

    function wrapHistory() {
      ['pushState', 'replaceState'].forEach(k => {
        const orig = history[k];
        if (typeof orig !== 'function') return;
        history[k] = function () {
          const r = orig.apply(this, arguments);
          routeSoon();
          return r;
        };
      });
      w.addEventListener('popstate', routeSoon);
    }

    // ---- widget ----

    // Styles use their own class names (bk-*), not the beckon-* hooks, so that
    // a text search of the page for a hook selector finds only the elements.
    const CSS = `
.bk-w{--bk:#1d4ed8;position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;flex-direction:column;
align-items:flex-end;gap:12px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933}
.bk-w[hidden]{display:none}
.bk-w *{box-sizing:border-box;margin:0}
.bk-w button{font:inherit;cursor:pointer}
.bk-panel{display:none;flex-direction:column;width:340px;max-width:calc(100vw - 32px);max-height:min(520px,70vh);
background:#fff;border-radius:14px;box-shadow:0 10px 32px rgba(0,0,0,.22);overflow:hidden}
.bk-open .bk-panel{display:flex}
.bk-head{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:var(--bk);
color:#fff;font-weight:600}
.bk-w .bk-x{border:0;background:none;color:#fff;font-size:22px;line-height:1}
.bk-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}
.bk-item{display:flex;flex-direction:column;gap:6px;align-items:flex-start}
.bk-in,.bk-out{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.bk-in{background:#eef2f7}
.bk-out{align-self:flex-end;background:var(--bk);color:#fff}
.bk-chips{display:flex;flex-wrap:wrap;gap:6px}
.bk-w .bk-chip{padding:5px 12px;border:1px solid var(--bk);border-radius:16px;background:#fff;color:var(--bk)}
.bk-w .bk-chosen{background:var(--bk);color:#fff}
.bk-w .bk-chip:disabled{cursor:default;opacity:.6}
.bk-w .bk-chosen:disabled{opacity:1}
.bk-form{display:flex;border-top:1px solid #e3e8ef}
.bk-w .bk-input{flex:1;min-width:0;padding:11px 12px;border:0;outline:0;font:inherit;color:inherit;background:#fff}
.bk-w .bk-send{padding:0 14px;border:0;background:none;color:var(--bk);font-weight:600}
.bk-w .bk-launcher{display:flex;align-items:center;justify-content:center;width:56px;height:56px;border:0;
border-radius:50%;background:var(--bk);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25)}`;

    const CHAT = 'beckon_chat'; // the conversation, kept across pages of this tab
    let chat = loadChat();
    let root = null, log = null, input = null, launcher = null;
    const unread = []; // shown but not yet acknowledged as read

    function loadChat() {
      try {
        const c = JSON.parse(sessionStorage.getItem(CHAT));
        if (c && c.vid === vid && Array.isArray(c.items) && Array.isArray(c.ids)) return c;
      } catch (e) { /* start afresh */ }
      return { vid, open: false, items: [], ids: [] };
    }

    function saveChat() {
      chat.items = chat.items.slice(-40);
      chat.ids = chat.ids.slice(-100);
      try { sessionStorage.setItem(CHAT, JSON.stringify(chat)); } catch (e) { /* storage blocked */ }
    }

    function el(tag, cls, text) {
      const e = d.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }

    function button(cls, text, label) {
      const b = el('button', cls, text);
      b.type = 'button';
      if (label) b.setAttribute('aria-label', label);
      return b;
    }

    function ui() {
      if (root) return;
      (d.head || d.documentElement).appendChild(el('style', '', CSS));
      root = el('div', 'bk-w');
      root.id = 'beckon-widget';
      root.hidden = true;
      if (color) root.style.setProperty('--bk', color);

      const panel = el('div', 'bk-panel');
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-label', title);
      const head = el('div', 'bk-head');
      const close = button('bk-x', '\u00d7', 'Close chat');
      close.onclick = safe(() => toggle(false));
      head.append(el('span', '', title), close);

      log = el('div', 'bk-log');
      log.setAttribute('aria-live', 'polite');

      const form = el('form', 'bk-form');
      input = el('input', 'bk-input');
      input.id = 'beckon-input';
      input.type = 'text';
      input.maxLength = 2000;
      input.autocomplete = 'off';
      input.placeholder = 'Type a message\u2026';
      input.setAttribute('aria-label', 'Message');
      const sendBtn = el('button', 'bk-send', 'Send');
      sendBtn.id = 'beckon-send';
      sendBtn.type = 'submit';
      form.append(input, sendBtn);
      form.addEventListener('submit', e => {
        e.preventDefault();
        safe(typed)();
      });

      panel.append(head, log, form);
      launcher = button('bk-launcher', null, 'Open chat');
      launcher.appendChild(icon());
      launcher.onclick = safe(() => toggle());
      root.append(panel, launcher);
      d.body.appendChild(root);
    }

    // icon draws the launcher's speech bubble.
    function icon() {
      const ns = 'http://www.w3.org/2000/svg';
      const svg = d.createElementNS(ns, 'svg');
      const path = d.createElementNS(ns, 'path');
      svg.setAttribute('viewBox', '0 0 24 24');
      svg.setAttribute('width', '26');
      svg.setAttribute('height', '26');
      svg.setAttribute('aria-hidden', 'true');
      path.setAttribute('fill', 'currentColor');
      path.setAttribute('d', 'M6 4h12a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-4 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
      svg.appendChild(path);
      return svg;
    }

    function toggle(open) {
      ui();
      if (open === undefined) open = !root.classList.contains('bk-open');
      root.hidden = false;
      root.classList.toggle('bk-open', open);
      launcher.setAttribute('aria-expanded', String(open));
      chat.open = open;
      saveChat();
      if (open) {
        log.scrollTop = log.scrollHeight;
        readPending();
      }
    }

    function renderMessage(m) {
      const item = el('div', 'bk-item');
      const text = el('div', 'beckon-message bk-in', m.text);
      text.setAttribute('data-message-id', m.id);
      item.appendChild(text);
      if (m.qr.length) {
        const box = el('div', 'beckon-quick-replies bk-chips');
        box.setAttribute('data-message-id', m.id);
        m.qr.forEach(q => {
          const b = button('beckon-quick-reply bk-chip', q.text);
          b.setAttribute('data-value', q.value);
          if (m.chosen != null) {
            b.disabled = true;
            if (q.value === m.chosen) b.classList.add('bk-chosen');
          }
          b.onclick = safe(() => choose(m, q, box));
          box.appendChild(b);
        });
        item.appendChild(box);
      }
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    function renderReply(text) {
      log.appendChild(el('div', 'beckon-reply bk-out', text));
      log.scrollTop = log.scrollHeight;
    }

    // show puts a message in front of the visitor; read receipts follow.
    function show(m) {
      ui();
      m.shown = true;
      renderMessage(m);
      unread.push(m.id);
      toggle(true);
    }

    function readPending() {
      if (hidden() || !root || !root.classList.contains('bk-open')) return;
      unread.splice(0).forEach(id => ack(id, 'read'));
    }

    const ack = (id, status) => post('/v1/ack', { site, visitor_id: vid, message_id: id, status });

    function onMessage(data) {
      let p;
      try { p = JSON.parse(data); } catch (e) { return; }
      const id = p && p.message_id;
      if (!id || typeof id !== 'string') return;
      ack(id, 'delivered');
      if (chat.ids.indexOf(id) >= 0) return; // never show a message twice
      chat.ids.push(id);
      const qr = Array.isArray(p.quick_replies) ? p.quick_replies : [];
      const m = {
        k: 'm',
        id,
        sid: str(p.session_id),
        text: str(p.message),
        qr: qr.filter(q => q && typeof q === 'object')
          .map(q => ({ text: str(q.text || q.value), value: str(q.value) })),
      };
      chat.items.push(m);
      saveChat();
      const delay = p.options && p.options.delay_ms;
      if (typeof delay === 'number' && delay > 0) {
        setTimeout(safe(() => show(m)), Math.min(delay, 600000));
      } else {
        show(m);
      }
    }

    function lastMessage() {
      for (let i = chat.items.length - 1; i >= 0; i--) if (chat.items[i].k === 'm') return chat.items[i];
      return null;
    }

    function reply(m, fields, shown) {
      post('/v1/reply', Object.assign({
        site,
        visitor_id: vid,
        session_id: m ? m.sid : undefined,
        message_id: m ? m.id : undefined,
      }, fields));
      chat.items.push({ k: 'r', text: shown });
      saveChat();
      renderReply(shown);
    }

    function choose(m, q, box) {
      if (m.chosen != null) return;
      m.chosen = q.value;
      Array.from(box.children).forEach(b => {
        b.disabled = true;
        if (b.getAttribute('data-value') === q.value) b.classList.add('bk-chosen');
      });
      reply(m, { quick_reply: { value: q.value } }, q.text);
    }

    function typed() {
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      reply(lastMessage(), { text }, text);
    }

    // restore redraws the conversation of earlier pages in this tab.
    function restore() {
      if (!chat.items.length) return;
      ui();
      let open = chat.open;
      chat.items.forEach(it => {
        if (it.k === 'r') return renderReply(it.text);
        renderMessage(it);
        if (!it.shown) { // its delay ran out on the previous page
          it.shown = open = true;
          unread.push(it.id);
        }
      });
      toggle(open);
    }

    // ---- message stream ----

    let stream = null, backoff = 1000, retryTimer = 0;

    function connect() {
      clearTimeout(retryTimer);
      if (stream || left || typeof EventSource !== 'function') return;
      const s = new EventSource(base + '/v1/stream?site=' + encodeURIComponent(site) +
        '&visitor_id=' + encodeURIComponent(vid));
      stream = s;
      s.onopen = () => { backoff = 1000; };
      s.addEventListener('message', safe(e => onMessage(e.data)));
      // EventSource retries by itself; once it gives up (CLOSED) we back off.
      s.onerror = safe(() => {
        if (s.readyState !== 2 || stream !== s) return;
        s.close();
        stream = null;
        retryTimer = setTimeout(safe(connect), backoff);
        backoff = Math.min(backoff * 2, 30000);
      });
    }

    function disconnect() {
      clearTimeout(retryTimer);
      if (stream) stream.close();
      stream = null;
    }

    // ---- start ----

    const api = {
      visitorId: vid,
      site,
      identify: safe(attrs => {
        if (attrs && typeof attrs === 'object') send('identify', { attributes: attrs });
      }),
      track: safe((name, props) => {
        if (!name) return;
        send('custom', { name: String(name), attributes: props && typeof props === 'object' ? props : {} });
      }),
      open: safe(() => whenBody(() => toggle(true))),
      close: safe(() => { if (root) toggle(false); }),
    };
    const queued = Array.isArray(w.beckon) ? w.beckon : [];
    w.beckon = api;

    const start = safe(() => {
      pageView();
      wrapHistory();
      w.addEventListener('scroll', safe(onScroll), { passive: true });
      d.addEventListener('visibilitychange', safe(onVisibility));
      d.addEventListener('mouseout', safe(onMouseOut));
      w.addEventListener('pagehide', safe(onPageHide));
      w.addEventListener('pageshow', safe(onPageShow));
      queued.forEach(safe(call => api[call[0]].apply(api, call.slice(1))));
      whenBody(() => {
        safe(restore)();
        connect();
      });
    });

    // A prerendered page counts once the visitor actually opens it.
    if (d.prerendering) d.addEventListener('prerenderingchange', start, { once: true });
    else start();
  }
})();
