// Check-in at the door with the camera. Where the browser reads QR codes (BarcodeDetector) and
// the camera may be used, each ticket scanned is sent to the check-in API with a nonce made once
// per scan (a retry after a network failure sends the same nonce, so it counts once) and who was
// admitted is announced in the live region. Otherwise the camera preview stays hidden and the
// short-code form, which works without this script, does the same job.

const root = document.getElementById('checkin');
const video = document.getElementById('checkin-video');
const hint = document.getElementById('checkin-camera');
const result = document.getElementById('checkin-result');
const csrfField = document.querySelector('main form input[name="csrf"]');

// A scan's nonce: a random UUID (8–64 letters, digits or dashes, as the API asks).
function nonce() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Replaces the live region's text (never markup: names come from the server's data).
function say(text, ok) {
  const p = document.createElement('p');
  p.className = ok ? 'notice' : 'alert';
  p.textContent = text;
  result.replaceChildren(p);
}

function outcomeText(body) {
  const kind = body.outcome === 'before' ? 'before' : body.outcome === 'retry' ? 'retry' : 'first';
  let text = root.dataset[kind] || '';
  if (kind === 'before' && body.checked_in_before) {
    text += ` ${new Date(body.checked_in_before).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}`;
  }
  return `${text}：${body.name}（${body.student_no}）· ${body.university} ${body.college}`;
}

// Sends one scan; retries a network failure up to three times with the same nonce.
async function send(token) {
  const body = JSON.stringify({ token, nonce: nonce() });
  for (let attempt = 0; attempt < 4; attempt += 1) {
    let res;
    try {
      res = await fetch(root.dataset.api, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-CSRF-Token': csrfField ? csrfField.value : '',
        },
        body,
      });
    } catch (e) {
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
    }
    const answer = await res.json().catch(() => ({}));
    if (res.ok) say(outcomeText(answer), true);
    else say(answer.message || root.dataset.failed, false);
    return;
  }
  say(root.dataset.failed, false);
}

async function start() {
  if (!root || !video || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  let detector;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes('qr_code')) return;
    detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  } catch (e) {
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    // The camera was refused or is missing: the short-code form remains.
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  if (hint) hint.hidden = false;
  await video.play().catch(() => {});
  window.addEventListener('pagehide', () => stream.getTracks().forEach((t) => t.stop()));

  // A ticket held in front of the camera is sent once; shown again after 5 s out of view, again.
  let last = '';
  let lastAt = 0;
  let busy = false;
  async function tick() {
    if (!busy && video.readyState >= 2) {
      try {
        const codes = await detector.detect(video);
        const token = codes.length > 0 ? codes[0].rawValue : '';
        const now = Date.now();
        if (token) {
          const fresh = token !== last || now - lastAt > 5000;
          last = token;
          lastAt = now;
          if (fresh) {
            busy = true;
            await send(token);
            busy = false;
          }
        }
      } catch (e) {
        busy = false;
      }
    }
    window.setTimeout(tick, 300);
  }
  tick();
}

start();
