/* creditbank verify page: scanning the certificate's QR code with the device camera.
 *
 * A button asks for the camera only when pressed, after saying why and that the picture
 * stays on the device. The frames are read with the vendored decoder (jsQR) a few times a
 * second; the first QR code read is checked like a link or a pasted text (page.js). When
 * the camera is refused or absent, the page says so and offers the photo picker instead.
 */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let stream = null;
  let timer = null;

  function bilingual(el, zh, en) {
    el.textContent = zh + " ";
    const span = document.createElement("span");
    span.lang = "en";
    span.textContent = en;
    el.appendChild(span);
    return el;
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    const video = $("camera-video");
    if (video) video.hidden = true;
    $("camera-stop").hidden = true;
    $("camera-start").hidden = false;
  }

  function say(state, zh, en) {
    const note = $("camera-note");
    note.dataset.state = state;
    bilingual(note, zh, en);
  }

  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("unavailable", "此浏览器无法使用摄像头，请改为选择二维码照片。", "This browser cannot use the camera; choose a photo of the QR code instead.");
      $("photo").focus();
      return;
    }
    say("asking", "浏览器将请求摄像头权限，请点“允许”。画面只在本设备上处理，不会上传。",
      "The browser will ask for the camera; choose Allow. The picture is processed on this device only and never uploaded.");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) {
      stream = null;
      const denied = e && (e.name === "NotAllowedError" || e.name === "SecurityError");
      if (denied) say("denied", "未获得摄像头权限。可在浏览器设置中允许，或改为选择二维码照片。", "Camera permission was not given. Allow it in the browser's settings, or choose a photo of the QR code instead.");
      else say("unavailable", "找不到可用的摄像头，请改为选择二维码照片。", "No usable camera was found; choose a photo of the QR code instead.");
      $("photo").focus();
      return;
    }
    const video = $("camera-video");
    video.srcObject = stream;
    video.hidden = false;
    $("camera-start").hidden = true;
    $("camera-stop").hidden = false;
    await video.play().catch(() => undefined);
    say("scanning", "请将证书上的二维码对准取景框，拿稳手机。", "Point the camera at the QR code on the certificate and hold steady.");
    const jsQR = await window.creditbankPage.loadJsQR();
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const frame = () => {
      if (!stream) return;
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (w && h) {
        const scale = Math.min(1, 1000 / Math.max(w, h));
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          stop();
          say("read", "已读取二维码。", "QR code read.");
          window.creditbankPage.check(code.data);
          return;
        }
      }
      timer = setTimeout(frame, 200);
    };
    frame();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.createElement("div");
    box.id = "camera";
    const startButton = bilingual(document.createElement("button"), "用摄像头扫描二维码", "Scan the QR code with the camera");
    startButton.type = "button";
    startButton.id = "camera-start";
    startButton.addEventListener("click", start);
    const stopButton = bilingual(document.createElement("button"), "停止扫描", "Stop scanning");
    stopButton.type = "button";
    stopButton.id = "camera-stop";
    stopButton.hidden = true;
    stopButton.addEventListener("click", stop);
    const note = document.createElement("p");
    note.id = "camera-note";
    note.dataset.state = "idle";
    const video = document.createElement("video");
    video.id = "camera-video";
    video.hidden = true;
    video.muted = true;
    video.setAttribute("playsinline", "");
    box.append(startButton, stopButton, note, video);
    $("other").querySelector("h2").after(box);
  });
})();
