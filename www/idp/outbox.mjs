// The dev outbox: where the provider "sends" email, text messages, phone calls and push
// notifications. Nothing leaves the machine; the messages are listed on /outbox (a page anyone
// with the URL can read: this is a development provider) and as JSON on /outbox/messages.
// Kept in memory: a restart empties it, which is fine for codes that expire in minutes.
import { randomBytes } from "node:crypto";

const MAX_ITEMS = 200;
export const CODE_TTL_MS = 5 * 60 * 1000;
export const PUSH_TTL_MS = 2 * 60 * 1000;

export function createOutbox() {
  /** Newest last. Messages: {id, channel, user, to, subject, text, code, createdAt}. */
  const items = [];

  function add(item) {
    items.push(item);
    if (items.length > MAX_ITEMS) items.splice(0, items.length - MAX_ITEMS);
    return item;
  }

  const newId = () => randomBytes(9).toString("base64url");

  return {
    /** Deliver a code by email, sms or voice. Returns the message. */
    deliverCode({ channel, user, to, code, app }) {
      const text = {
        email: `Your verification code for ${app} is ${code}. It expires in 5 minutes. If you did not try to sign in, change your password.`,
        sms: `${code} is your ${app} verification code.`,
        // A phone call reads the digits one by one.
        voice: `Hello. Your ${app} verification code is: ${code.split("").join(", ")}. Again: ${code.split("").join(", ")}.`,
      }[channel];
      return add({
        id: newId(),
        channel,
        user,
        to,
        subject: channel === "email" ? `Your ${app} verification code` : undefined,
        text,
        code,
        createdAt: new Date().toISOString(),
      });
    },

    /** A push notification asking the user to approve a sign-in. */
    sendPush({ user, device, app, where }) {
      return add({
        id: newId(),
        channel: "push",
        user,
        to: device,
        text: `Are you trying to sign in to ${app}? ${where}`,
        status: "pending",
        createdAt: new Date().toISOString(),
        expiresAt: Date.now() + PUSH_TTL_MS,
      });
    },

    /** A push request by id, with its status brought up to date (expired after 2 minutes). */
    push(id) {
      const item = items.find((i) => i.id === id && i.channel === "push");
      if (item && item.status === "pending" && Date.now() > item.expiresAt) item.status = "expired";
      return item;
    },

    /** Approve or deny a pending push. Returns the item, or an error message. */
    decide(id, decision) {
      const item = this.push(id);
      if (!item) return { error: "No such push notification (the outbox is emptied when the provider restarts)." };
      if (decision !== "approve" && decision !== "deny") return { error: 'decision must be "approve" or "deny"' };
      if (item.status !== "pending") return { error: `This request is already ${item.status}.` };
      item.status = decision === "approve" ? "approved" : "denied";
      item.decidedAt = new Date().toISOString();
      return { item };
    },

    /** Newest first, optionally only one user's or one channel's. */
    list({ user, channel } = {}) {
      return items
        .filter((i) => (!user || i.user === user) && (!channel || i.channel === channel))
        .map((i) => (i.channel === "push" ? this.push(i.id) : i))
        .map(({ expiresAt, ...rest }) => rest)
        .reverse();
    },

    clear() {
      items.length = 0;
    },
  };
}
