// Beckon console: live inbox and transcript (server-sent events), a
// refreshing list of live visitors, and Ctrl+Enter to send an answer.
// Everything a visitor wrote is set as text, never as HTML.
(function () {
  'use strict';
  var status = document.getElementById('live-status');
  function announce(text) { if (status) { status.textContent = text; } }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function clock(iso) {
    var d = new Date(iso);
    return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  // The inbox: a reply moves its conversation to the top, or adds it.
  function onInboxReply(list, a) {
    var row = list.querySelector('li[data-session="' + CSS.escape(a.session_id) + '"]');
    if (!row) {
      row = el('li');
      row.dataset.session = a.session_id;
      var link = el('a');
      link.href = '/console/inbox/' + encodeURIComponent(a.session_id);
      var who = el('span', 'who');
      who.appendChild(el('code', '', a.visitor_id));
      link.append(who, el('span', 'last'), el('time'), el('span', 'count', '0 replies'));
      row.appendChild(link);
      row.dataset.count = '0';
    }
    var n = Number(row.dataset.count || (row.querySelector('.count').textContent.split(' ')[0])) + 1;
    row.dataset.count = String(n);
    row.querySelector('.last').textContent = a.text;
    var t = row.querySelector('time');
    t.dateTime = a.at;
    t.textContent = 'just now';
    row.querySelector('.count').textContent = n + (n === 1 ? ' reply' : ' replies');
    row.classList.add('new');
    list.insertBefore(row, list.firstChild);
    var empty = document.getElementById('inbox-empty');
    if (empty) { empty.remove(); }
    announce('New reply from ' + a.visitor_id + ': ' + a.text);
  }

  // The transcript: a reply or message of this session is added once.
  function onTranscript(list, kind, a) {
    if (a.session_id !== list.dataset.session || list.querySelector('li[data-id="' + CSS.escape(a.id) + '"]')) { return; }
    var visitor = kind === 'reply';
    var item = el('li', visitor ? 'from-visitor' : 'to-visitor');
    item.dataset.id = a.id;
    var meta = el('p', 'meta', (visitor ? 'Visitor' : a.from) + ' · ');
    var t = el('time', '', clock(a.at));
    t.dateTime = a.at;
    meta.appendChild(t);
    item.appendChild(meta);
    if (visitor && a.clicked) {
      var p = el('p', 'text clicked', 'Clicked ');
      p.appendChild(el('span', 'button-label', a.text));
      item.appendChild(p);
    } else {
      item.appendChild(el('p', 'text', a.text));
    }
    if (a.buttons && a.buttons.length) {
      var ul = el('ul', 'buttons');
      ul.setAttribute('aria-label', 'Buttons offered');
      a.buttons.forEach(function (b) { ul.appendChild(el('li', '', b)); });
      item.appendChild(ul);
    }
    list.appendChild(item);
    if (visitor) { announce('The visitor wrote: ' + a.text); }
  }

  function listen() {
    var inbox = document.querySelector('[data-live="inbox"]');
    var transcript = document.querySelector('[data-live="conversation"]');
    if (!inbox && !transcript || !window.EventSource) { return; }
    var events = new EventSource('/console/events');
    events.addEventListener('reply', function (e) {
      var a = JSON.parse(e.data);
      if (inbox) { onInboxReply(inbox, a); }
      if (transcript) { onTranscript(transcript, 'reply', a); }
    });
    events.addEventListener('message', function (e) {
      if (transcript) { onTranscript(transcript, 'message', JSON.parse(e.data)); }
    });
    events.addEventListener('open', function () { document.body.dataset.live = 'on'; });
  }

  // Live visitors: the list is read again every few seconds while shown.
  function refreshVisitors() {
    var box = document.getElementById('live-visitors');
    if (!box) { return; }
    var every = Number(box.dataset.refresh || 10) * 1000;
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(location.href, { credentials: 'same-origin' }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('live-visitors');
        var current = document.getElementById('live-visitors');
        if (fresh && current && !current.contains(document.activeElement)) { current.replaceWith(fresh); }
      }).catch(function () {});
    }, every);
  }

  // The answer box: Ctrl+Enter (or Cmd+Enter) sends; a sent form is not
  // sent twice.
  function answerBox() {
    var form = document.getElementById('answer');
    if (!form) { return; }
    var box = form.querySelector('textarea');
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', function () {
      form.querySelector('button[type=submit]').disabled = true;
    });
    var list = document.getElementById('transcript');
    if (list && list.lastElementChild) { list.lastElementChild.scrollIntoView({ block: 'nearest' }); }
  }

  listen();
  refreshVisitors();
  answerBox();
})();
