/*
 * beckon.js: the Beckon beacon and chat widget.
 *
 *   <script defer src="https://HOST/beckon.js" data-site="site_demo"></script>
 *
 * The beacon reports what the visitor does to POST /v1/collect: page views
 * (single-page-app route changes included), heartbeats while the page is
 * visible, scroll depth, visibility, exit intent and page leave. The widget
 * takes its look from GET /v1/widget, listens on GET /v1/stream (server-sent
 * events) for messages, shows a new one as a preview card above the
 * launcher (the panel opens on a click), and sends replies to /v1/reply and
 * delivered/read receipts to /v1/ack. What the visitor reads is set as
 * text, never parsed as markup; only https:// links and phone numbers
 * become links. Nothing here may throw into the page.
 *
 * Optional script attributes: data-color, data-launcher (always or
 * on_message; both override the workspace's), data-api (API base URL,
 * default: this script's origin), data-lang (time format), data-title and
 * data-text-KEY for each word shown (keys in T below).
 *
 * Stable DOM hooks: #beckon-widget, #beckon-launcher, #beckon-unread (the
 * count), #beckon-preview with #beckon-preview-open, #beckon-preview-text and
 * .beckon-dismiss, #beckon-panel, .beckon-message with data-message-id,
 * .beckon-quick-reply with data-value, .beckon-time, #beckon-input,
 * #beckon-send, and .beckon-reply (the visitor's own replies).
 *
 * Calls carry the visitor token of the first collect's answer, kept next to
 * the id (never on window.beckon).
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

    // ---- visitor id and token ("id.token"): localStorage and a cookie ----

    const VID = 'beckon_vid', VTOK = 'beckon_vt';
    const okId = v => typeof v === 'string' && /^v_[\w-]{8,64}$/.test(v);
    const okToken = t => typeof t === 'string' && /^[\w-]{16,128}$/.test(t);

    function randomId() {
      const a = new Uint8Array(12);
      try {
        crypto.getRandomValues(a);
      } catch (e) {
        for (let i = 0; i < a.length; i++) a[i] = Math.random() * 256;
      }
      return 'v_' + Array.from(a, b => (b < 16 ? '0' : '') + b.toString(16)).join('');
    }

    function load(name, ok) {
      let v = null;
      try { v = localStorage.getItem(name); } catch (e) { /* storage blocked */ }
      try {
        if (!ok(v)) v = (d.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]*)')) || [])[1];
      } catch (e) { /* cookies blocked */ }
      return ok(v) ? v : null;
    }

    function save(name, v) {
      try { localStorage.setItem(name, v); } catch (e) { /* storage blocked */ }
      try {
        d.cookie = name + '=' + v + ';path=/;max-age=31536000;SameSite=Lax' +
          (location.protocol === 'https:' ? ';Secure' : '');
      } catch (e) { /* cookies blocked */ }
    }

    function storedToken(v) {
      const t = (load(VTOK, x => typeof x === 'string') || '').split('.');
      return t[0] === v && okToken(t[1]) ? t[1] : null;
    }

    let vid = load(VID, okId) || randomId();
    save(VID, vid);
    let token = storedToken(vid);
    const held = []; // calls waiting for the first token
    let claiming = false, started = false;

    function setToken(t) {
      if (!okToken(t) || t === token) return;
      token = t;
      save(VTOK, vid + '.' + t);
      flushHeld();
      if (started) connect();
    }

    // ---- transport: JSON sent as text/plain, so no CORS preflight ----

    function request(path, body, then, fail) {
      try {
        const s = JSON.stringify(body);
        fetch(base + path, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: s,
          keepalive: s.length < 32768,
        }).then(then || noop).catch(fail || noop);
      } catch (e) { (fail || noop)(); }
    }

    // post sends a call with the token; without one, the first collect
    // goes alone to get it and the rest wait.
    function post(path, body) {
      if (token) {
        const sent = token;
        request(path, Object.assign({}, body, { visitor_id: vid, token }), safe(r => {
          if (r.status === 401 && sent === token) lost();
        }));
      } else if (claiming || path !== '/v1/collect') {
        if (held.length < 50) held.push([path, body]);
      } else {
        claim(body);
      }
    }

    // claim: a 401 means the id has a token, which another tab may have
    // just kept; else this browser lost it (see lost).
    function claim(body) {
      claiming = true;
      request('/v1/collect', Object.assign({}, body, { visitor_id: vid }), safe(r => {
        if (r.status !== 401) {
          claiming = false;
          return r.ok && r.json().then(safe(j => setToken(j.data.visitor_token)), noop);
        }
        setTimeout(safe(() => {
          claiming = false;
          setToken(storedToken(vid));
          if (token) post('/v1/collect', body); else lost();
        }), 1500);
      }), () => { claiming = false; });
    }

    function flushHeld() {
      held.splice(0).forEach(c => post(c[0], c[1]));
    }

    // lost starts afresh as a new visitor.
    function lost() {
      vid = randomId();
      token = null;
      save(VID, vid);
      api.visitorId = vid;
      disconnect();
      held.length = 0;
      pageKey = null;
      if (!left) pageView();
    }

    const makeEvent = (type, fields) => Object.assign({ site, visitor_id: vid, type }, fields);
    const send = (type, fields) => post('/v1/collect', makeEvent(type, fields));

    // beacon survives the page being unloaded.
    function beacon(body) {
      if (!token) return;
      body = Object.assign({}, body, { visitor_id: vid, token });
      try {
        const blob = new Blob([JSON.stringify(body)], { type: 'text/plain' });
        if (nav.sendBeacon(base + '/v1/collect', blob)) return;
      } catch (e) { /* fall back to fetch */ }
      request('/v1/collect', body);
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

    // Visitor-facing words: data-text-KEY on the script tag translates each
    // (data-title also names the panel); data-lang sets the time format.
    const attr = k => me.getAttribute('data-' + k);
    const T = {
      title: 'Chat with us', open: 'Open chat', close: 'Close chat', dismiss: 'Dismiss',
      placeholder: 'Type a message\u2026', send: 'Send', message: 'Message', unread: 'unread',
    };
    Object.keys(T).forEach(k => { T[k] = attr('text-' + k) || T[k]; });
    T.title = attr('title') || T.title;
    const lang = attr('lang') || d.documentElement.lang || undefined;
    // The workspace's look (GET /v1/widget); data-color and data-launcher win.
    const cfg = { name: '', avatar: '', color: '', launcher: 'always' };
    let ready = false; // the settings have arrived (or failed to)

    // Styles use their own class names (bk-*), not the beckon-* hooks, so that
    // a text search of the page for a hook selector finds only the elements.
    const CSS = `
.bk-w{--bk:#1d4ed8;position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;flex-direction:column;
align-items:flex-end;gap:12px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933}
.bk-w[hidden],.bk-w [hidden]{display:none!important}
.bk-w *{box-sizing:border-box;margin:0}
.bk-w button{font:inherit;cursor:pointer}
.bk-w :focus-visible{outline:2px solid #f59e0b;outline-offset:2px}
.bk-panel{display:none;flex-direction:column;width:360px;max-width:calc(100vw - 32px);height:min(540px,calc(100vh - 100px));
background:#fff;border-radius:14px;box-shadow:0 10px 32px rgba(0,0,0,.22);overflow:hidden}
.bk-open .bk-panel{display:flex}
.bk-head{display:flex;align-items:center;padding:10px 8px 10px 14px;background:var(--bk);color:#fff;font-weight:600}
.bk-who{flex:1;display:flex;align-items:center;gap:10px;min-width:0}
.bk-av{flex:none;width:34px;height:34px;border-radius:50%;object-fit:cover;background:#fff;color:var(--bk);
display:flex;align-items:center;justify-content:center;font-weight:700}
.bk-w .bk-x{border:0;background:none;color:inherit;font-size:22px;line-height:1;padding:2px 8px}
.bk-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}
.bk-item{display:flex;flex-direction:column;gap:4px;align-items:flex-start}
.bk-mine{align-items:flex-end}
.bk-in,.bk-out{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.bk-in{background:#eef2f7}
.bk-in a{color:var(--bk)}
.bk-out{background:var(--bk);color:#fff}
.bk-time{font-size:11px;color:#6b7280}
.bk-chips{display:flex;flex-wrap:wrap;gap:6px;max-width:100%}
.bk-w .bk-chip{max-width:100%;padding:5px 12px;border:1px solid var(--bk);border-radius:16px;background:#fff;color:var(--bk);
text-align:left;overflow-wrap:anywhere}
.bk-w .bk-chosen{background:var(--bk);color:#fff}
.bk-w .bk-chip:disabled{cursor:default;opacity:.6}
.bk-w .bk-chosen:disabled{opacity:1}
.bk-form{display:flex;border-top:1px solid #e3e8ef}
.bk-w .bk-input{flex:1;min-width:0;padding:12px;border:0;outline:0;font:inherit;color:inherit;background:#fff}
.bk-w .bk-send{padding:0 14px;border:0;background:none;color:var(--bk);font-weight:600}
.bk-card{position:relative;width:300px;max-width:calc(100vw - 32px);background:#fff;border-radius:12px;
box-shadow:0 6px 24px rgba(0,0,0,.2)}
.bk-w .bk-peek{display:flex;gap:10px;width:100%;padding:12px 36px 12px 12px;border:0;background:none;color:inherit;text-align:left}
.bk-peek b{display:block}
.bk-peek i{font-style:normal;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.bk-card .bk-x{position:absolute;top:4px;right:2px;color:#6b7280}
.bk-w .bk-launcher{position:relative;display:flex;align-items:center;justify-content:center;width:56px;height:56px;border:0;
border-radius:50%;background:var(--bk);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.bk-badge{position:absolute;top:-4px;right:-4px;min-width:20px;padding:0 6px;border-radius:10px;background:#dc2626;
font-size:12px;line-height:20px;font-weight:700}
@media (max-width:480px){.bk-w{right:12px;bottom:12px}.bk-open .bk-panel{position:fixed;inset:0;width:auto;max-width:none;
height:auto;border-radius:0}.bk-open .bk-launcher{display:none!important}}`;

    const CHAT = 'beckon_chat'; // the conversation, kept across pages of this tab
    let chat = loadChat();
    let root = null, panel, who, log, input, card, peek, peekText, launcher, badge;

    function loadChat() {
      try {
        const c = JSON.parse(sessionStorage.getItem(CHAT));
        if (c && c.vid === vid && [c.items, c.ids, c.unread].every(Array.isArray)) return c;
      } catch (e) { /* start afresh */ }
      return { vid, open: false, items: [], ids: [], unread: [], preview: null };
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

    // set sets attributes; values are always plain strings, never markup.
    function set(e, attrs) {
      Object.keys(attrs).forEach(k => e.setAttribute(k, attrs[k]));
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
      root = set(el('div', 'bk-w'), { id: 'beckon-widget' });
      root.hidden = true;

      panel = set(el('div', 'bk-panel'), { id: 'beckon-panel', role: 'dialog', tabindex: '-1' });
      const head = el('div', 'bk-head');
      who = el('span', 'bk-who');
      const close = button('bk-x', '\u00d7', T.close);
      close.onclick = safe(() => toggle(false));
      head.append(who, close);
      log = set(el('div', 'bk-log'), { id: 'beckon-log', role: 'log', 'aria-live': 'polite' });
      panel.append(head, log, form());

      card = set(el('div', 'bk-card'), { id: 'beckon-preview', role: 'status' });
      peek = set(button('bk-peek'), { id: 'beckon-preview-open' });
      peek.onclick = safe(() => toggle(true, true));
      peekText = set(el('i'), { id: 'beckon-preview-text' });
      const dismiss = button('bk-x beckon-dismiss', '\u00d7', T.dismiss);
      dismiss.onclick = safe(unpreview);
      card.append(peek, dismiss);

      launcher = set(button('bk-launcher', null, T.open),
        { id: 'beckon-launcher', 'aria-controls': 'beckon-panel', 'aria-expanded': 'false' });
      badge = set(el('span', 'bk-badge'), { id: 'beckon-unread', 'aria-hidden': 'true' });
      launcher.append(icon(), badge);
      launcher.onclick = safe(() => toggle(undefined, true));
      root.append(panel, card, launcher);
      root.addEventListener('keydown', safe(onKey));
      d.body.appendChild(root);
      dress();
    }

    function form() {
      const f = el('form', 'bk-form');
      input = set(el('input', 'bk-input'), { id: 'beckon-input', type: 'text', maxlength: '2000',
        autocomplete: 'off', placeholder: T.placeholder, 'aria-label': T.message });
      const send = set(el('button', 'bk-send', T.send), { id: 'beckon-send', type: 'submit' });
      f.append(input, send);
      f.addEventListener('submit', e => {
        e.preventDefault();
        safe(typed)();
      });
      return f;
    }

    // icon draws the launcher's speech bubble.
    function icon() {
      const ns = 'http://www.w3.org/2000/svg';
      const svg = d.createElementNS(ns, 'svg');
      const path = d.createElementNS(ns, 'path');
      set(svg, { viewBox: '0 0 24 24', width: '26', height: '26', 'aria-hidden': 'true' });
      set(path, { fill: 'currentColor', d: 'M6 4h12a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-4 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z' });
      svg.appendChild(path);
      return svg;
    }

    // avatar is the workspace's image (http(s) only), else its initial.
    function avatar(name) {
      try {
        const u = new URL(cfg.avatar, base);
        if (cfg.avatar && /^https?:$/.test(u.protocol)) return set(el('img', 'bk-av'), { alt: '', src: u.href });
      } catch (e) { /* no image */ }
      return set(el('span', 'bk-av', name.charAt(0).toUpperCase()), { 'aria-hidden': 'true' });
    }

    // dress shows the workspace's name, avatar and colour, again once the
    // settings arrive, and whether the launcher is shown yet.
    function dress() {
      if (!root) return;
      const name = cfg.name || T.title;
      if (cfg.color) root.style.setProperty('--bk', cfg.color);
      panel.setAttribute('aria-label', name);
      who.replaceChildren(avatar(name), el('span', '', name));
      const col = el('span');
      col.append(el('b', '', name), peekText);
      peek.replaceChildren(avatar(name), col);
      root.hidden = !chat.items.length && !(ready && cfg.launcher !== 'on_message');
      mark();
    }

    function settings() {
      fetch(base + '/v1/widget?site=' + encodeURIComponent(site))
        .then(r => (r.ok ? r.json() : {}))
        .then(b => {
          const s = (b && b.data) || {};
          Object.keys(cfg).forEach(k => { if (s[k] && typeof s[k] === 'string') cfg[k] = s[k]; });
        })
        .catch(noop)
        .then(safe(() => {
          cfg.color = attr('color') || cfg.color;
          cfg.launcher = attr('launcher') || cfg.launcher;
          ready = true;
          dress();
        }));
    }

    const isOpen = () => !!root && root.classList.contains('bk-open');
    const find = id => chat.items.find(it => it.id === id);

    // mark shows the unread count and the preview card of a closed panel.
    function mark() {
      const n = chat.unread.length, open = isOpen(), m = !open && chat.preview && find(chat.preview);
      badge.textContent = n;
      badge.hidden = !n || open;
      launcher.setAttribute('aria-label', open ? T.close : n ? T.open + ' (' + n + ' ' + T.unread + ')' : T.open);
      card.hidden = !m;
      if (m) peekText.textContent = m.text;
    }

    // toggle opens or closes the panel; a visitor's own click moves the
    // focus into it, and closing gives the focus back to the launcher.
    function toggle(open, byVisitor) {
      ui();
      if (open === undefined) open = !isOpen();
      const hadFocus = root.contains(d.activeElement);
      root.classList.toggle('bk-open', open);
      launcher.setAttribute('aria-expanded', String(open));
      chat.open = open;
      if (open) chat.preview = null;
      saveChat();
      mark();
      if (open) {
        log.scrollTop = log.scrollHeight;
        readPending();
        if (byVisitor) (device === 'desktop' ? input : panel).focus();
      } else if (hadFocus) {
        launcher.focus();
      }
    }

    function unpreview() {
      const hadFocus = card.contains(d.activeElement);
      chat.preview = null;
      saveChat();
      mark();
      if (hadFocus) launcher.focus();
    }

    function onKey(e) {
      if (e.key !== 'Escape') return;
      if (isOpen()) toggle(false);
      else if (!card.hidden) unpreview();
    }

    // Links: https:// addresses, tel: numbers and phone numbers. The pattern
    // matches only these shapes, so no other scheme (javascript:, data:) can
    // become a link, and nothing else in a message is interpreted.
    const LINKS = /https:\/\/[^\s<>"'`]+|tel:\+?\d[\d-]{2,}|\+\d[\d .()-]{6,}\d|\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b/g;

    // rich puts text into parent as text nodes and links.
    function rich(parent, text) {
      let at = 0, m;
      LINKS.lastIndex = 0;
      while ((m = LINKS.exec(text))) {
        const s = m[0][0] === 'h' ? m[0].replace(/[.,;:!?)\]]+$/, '') : m[0];
        const a = link(s);
        if (!a) continue;
        parent.append(text.slice(at, m.index), a);
        at = LINKS.lastIndex = m.index + s.length;
      }
      parent.append(text.slice(at));
    }

    function link(s) {
      const a = el('a', '', s);
      if (s[0] === 'h') {
        let u = null;
        try { u = new URL(s); } catch (e) { /* not a URL after all */ }
        if (!u || u.protocol !== 'https:') return null;
        set(a, { href: u.href, target: '_blank', rel: 'noopener' });
        return a;
      }
      const n = s.replace(/^tel:/, '').replace(/[^\d+]/g, '');
      if (!/^\+?\d{7,15}$/.test(n)) return null;
      a.href = 'tel:' + n;
      return a;
    }

    // stamp is a message's time, in the page's language.
    function stamp(t) {
      const e = el('time', 'beckon-time bk-time');
      try {
        const at = new Date(t);
        e.dateTime = at.toISOString();
        e.textContent = at.toLocaleTimeString(lang, { hour: 'numeric', minute: '2-digit' });
      } catch (x) { /* an old item without a time */ }
      return e;
    }

    function renderMessage(m) {
      const item = el('div', 'bk-item');
      const text = set(el('div', 'beckon-message bk-in'), { 'data-message-id': m.id });
      rich(text, m.text);
      item.appendChild(text);
      if (m.qr.length) {
        const box = set(el('div', 'beckon-quick-replies bk-chips'), { 'data-message-id': m.id });
        m.qr.forEach(q => {
          const b = set(button('beckon-quick-reply bk-chip', q.text), { 'data-value': q.value });
          if (m.chosen != null) {
            b.disabled = true;
            if (q.value === m.chosen) b.classList.add('bk-chosen');
          }
          b.onclick = safe(() => choose(m, q, box));
          box.appendChild(b);
        });
        item.appendChild(box);
      }
      item.appendChild(stamp(m.t));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    function renderReply(r) {
      const item = el('div', 'bk-item bk-mine');
      item.append(el('div', 'beckon-reply bk-out', r.text), stamp(r.t));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    // show puts a message in front of the visitor: in the open panel, or as
    // a preview card above the launcher. Read receipts follow.
    function show(m) {
      ui();
      m.shown = true;
      renderMessage(m);
      chat.unread.push(m.id);
      if (!isOpen()) chat.preview = m.id;
      saveChat();
      dress();
      readPending();
    }

    function readPending() {
      if (hidden() || !isOpen()) return;
      chat.unread.splice(0).forEach(id => ack(id, 'read'));
      saveChat();
      mark();
    }

    const ack = (id, status) => post('/v1/ack', { site, message_id: id, status });

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
        t: Date.parse(p.sent_at) || Date.now(),
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
        session_id: m ? m.sid : undefined,
        message_id: m ? m.id : undefined,
      }, fields));
      const r = { k: 'r', text: shown, t: Date.now() };
      chat.items.push(r);
      saveChat();
      renderReply(r);
      dress();
    }

    function choose(m, q, box) {
      if (m.chosen != null) return;
      if (box.contains(d.activeElement)) input.focus(); // the buttons are about to be disabled
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
      ui();
      chat.items.forEach(it => {
        if (it.k === 'r') return renderReply(it);
        renderMessage(it);
        if (!it.shown) { // its delay ran out on the previous page
          it.shown = true;
          chat.unread.push(it.id);
          chat.preview = it.id;
        }
      });
      toggle(chat.open);
    }

    // ---- message stream ----

    let stream = null, backoff = 1000, retryTimer = 0;

    function connect() {
      clearTimeout(retryTimer);
      if (stream || left || !token || typeof EventSource !== 'function') return;
      const s = new EventSource(base + '/v1/stream?site=' + encodeURIComponent(site) +
        '&visitor_id=' + encodeURIComponent(vid) + '&token=' + encodeURIComponent(token));
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
        started = true;
        connect();
        settings();
      });
    });

    // A prerendered page counts once the visitor actually opens it.
    if (d.prerendering) d.addEventListener('prerenderingchange', start, { once: true });
    else start();
  }
})();
