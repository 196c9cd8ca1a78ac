// The whole journey of a shop front and a vendor's app, written against the client generated
// from /openapi.json (openapi-typescript types, openapi-fetch calls): a guest fills a cart and
// asks what delivery costs, signs up and the cart follows, pays by VietQR transfer and watches
// the payment arrive as Server-Sent Events; the vendor confirms, ships and delivers; the
// administrator pays the stall; the vendor sees the payout. Then a Tết promotion: a platform
// voucher and a stall's voucher on one cash-on-delivery checkout across two stalls, both
// delivered, a review with a photo and the stall's reply, and statements that say who paid
// each discount. Last, a parcel with GHN: the vendor connects the stall to GHN, a cash-on-
// delivery order is booked with it, followed by GHN's callbacks to its delivery, GHN's cash is
// held until the administrator uploads GHN's remittance statement, and then paid out. No cast,
// no `any`, and no English message is read: decisions are taken on status codes, problem codes
// and fields.
//
// Run by scripts/frontend-check.sh against a real gateway (scripts/frontend/journey-run.sh):
// JOURNEY_URL is the gateway, BANK_SECRET the bank webhook's secret, BANK_ACCOUNT the
// marketplace's account number, GHN_STANDIN the base URL of GHN's stand-in (the test kit's
// `ghn-standin`) the gateway books with, GHN_WEBHOOK_SECRET the secret of GHN's callback URL.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { createHmac, randomUUID } from "node:crypto";
import { deflateSync } from "node:zlib";
import type { components, paths } from "../../target/frontend/api";

type Schemas = components["schemas"];
type Api = Client<paths>;

const base = process.env.JOURNEY_URL ?? "http://127.0.0.1:18090";
const bankSecret = process.env.BANK_SECRET ?? "";
const bankAccount = process.env.BANK_ACCOUNT ?? "";
const demoPassword = "cho-ocop-demo-2026";
const vendorEmail = "cuatung@demo.cho-ocop.test";
const adminEmail = "quantri@demo.cho-ocop.test";
/** The owner of the second stall the buyer orders from (Cà phê Khe Sanh). */
const secondVendorEmail = "khesanh@demo.cho-ocop.test";
/** Phường Đông Hà, Quảng Trị: the buyer's commune. */
const buyerCommune = "19333";
const ghnStandin = process.env.GHN_STANDIN ?? "";
const ghnWebhookSecret = process.env.GHN_WEBHOOK_SECRET ?? "";
/** The stall's shop at GHN's stand-in and the token the stand-in issued for it. */
const ghnShop = "885";
const ghnToken = "ghn-standin-token";

/** What every answer is checked against: the step's name and the status it must have. */
function check(step: string, response: Response, ...wanted: number[]): void {
  if (!wanted.includes(response.status)) {
    throw new Error(`${step}: status ${response.status}, wanted ${wanted.join(" or ")}`);
  }
  console.log(`ok  ${response.status}  ${step}`);
}

/** The body of a successful answer. */
function body<T>(step: string, r: { data?: T; response: Response }, status = 200): T {
  check(step, r.response, status);
  if (r.data === undefined) throw new Error(`${step}: no body`);
  return r.data;
}

function client(token?: string): Api {
  const api = createClient<paths>({ baseUrl: base });
  const vietnamese: Middleware = {
    onRequest({ request }) {
      request.headers.set("Accept-Language", "vi");
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
  api.use(vietnamese);
  return api;
}

/** Tokens of the clients signed in, for the one request the typed client does not make (a
 * multipart upload). */
const tokens = new WeakMap<Api, string>();

async function login(email: string, password: string): Promise<Api> {
  const r = await client().POST("/api/v1/auth/login", { body: { email, password } });
  const token = body(`sign in ${email}`, r).token;
  const api = client(token);
  tokens.set(api, token);
  return api;
}

/** A guest finds a product, fills a cart and asks what delivery costs. */
async function asGuest(guest: Api): Promise<{ cartId: string; product: Schemas["ProductSummary"] }> {
  const found = body(
    "search “nuoc mam cua tung”",
    await guest.GET("/api/v1/search/products", {
      params: { query: { q: "nuoc mam cua tung", sort: "relevance", per_page: 5 } },
    }),
  );
  const product = found.hits.find((h) => h.in_stock);
  if (!product) throw new Error("no product in stock");
  const facet = found.facets.category[0];
  console.log(`    facet ${facet?.label ?? "-"} (${facet?.count ?? 0})`);

  const quote = body(
    "delivery quote on the product page",
    await guest.GET("/api/v1/products/{id}/delivery-quote", {
      params: { path: { id: product.slug }, query: { commune_code: buyerCommune, quantity: 2 } },
    }),
  );
  console.log(`    delivery ${quote.fee} đ, ${quote.estimated_days.min}–${quote.estimated_days.max} days`);

  const cart = body("guest cart", await guest.POST("/api/v1/carts", {}), 201);
  const put = await guest.PUT("/api/v1/carts/{id}/items/{product_or_variant_id}", {
    params: { path: { id: cart.id, product_or_variant_id: product.id } },
    body: { quantity: 2 },
  });
  check("guest adds two", put.response, 200);
  const priced = body(
    "guest cart with delivery",
    await guest.GET("/api/v1/carts/{id}", {
      params: { path: { id: cart.id }, query: { commune_code: buyerCommune } },
    }),
  );
  if (priced.items.length !== 1 || priced.items[0].quantity !== 2) throw new Error("guest cart lines");
  if (priced.grand_total === undefined || priced.grand_total === null) throw new Error("no grand total");
  return { cartId: cart.id, product };
}

/** The guest signs up, accepting the policies in effect, and signs in; the cart follows. */
async function signUp(cartId: string): Promise<Api> {
  const anyone = client();
  const policies = body("policies in effect", await anyone.GET("/api/v1/policies"));
  const email = `khach-${randomUUID()}@example.vn`;
  const password = "mat-khau-dai-2026";
  const registered = await anyone.POST("/api/v1/auth/register", {
    body: {
      email,
      password,
      full_name: "Nguyễn Thu Hà",
      accepted_policies: policies.map((p) => ({ kind: p.kind, version: p.version })),
    },
  });
  check("sign up", registered.response, 201);
  const buyer = await login(email, password);
  const merged = body("cart merged at sign-in", await buyer.POST("/api/v1/cart/merge", { body: { cart_id: cartId } }));
  if (merged.items.reduce((n, l) => n + l.quantity, 0) !== 2) throw new Error("merge lost lines");
  const again = await buyer.GET("/api/v1/carts/{id}", { params: { path: { id: cartId } } });
  check("the guest cart is gone", again.response, 404);
  if (again.error?.code !== "not_found") throw new Error("a merged cart answers not_found");
  return buyer;
}

/** Server-Sent Events: the checkout's payment state, until it is paid (or the stream ends). */
async function paymentEvents(buyer: Api, checkoutId: string, onOpen: () => Promise<void>): Promise<string[]> {
  const r = await buyer.GET("/api/v1/checkouts/{id}/events", {
    params: { path: { id: checkoutId } },
    parseAs: "stream",
  });
  check("payment events open", r.response, 200);
  const stream = r.response.body;
  if (!stream) throw new Error("no event stream");
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const seen: string[] = [];
  let buffer = "";
  let opened = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!data) continue;
      const state: unknown = JSON.parse(data);
      const status = typeof state === "object" && state !== null && "status" in state ? String(state.status) : "";
      seen.push(status);
      console.log(`    event: ${status}`);
      if (!opened) {
        opened = true;
        await onOpen();
      }
      if (status === "paid") {
        await reader.cancel();
        return seen;
      }
    }
  }
  return seen;
}

/** The bank's notification service tells the gateway the transfer landed. */
async function bankPays(payment: Schemas["VietqrPayment"]): Promise<void> {
  const notice = {
    id: `FT${Date.now()}`,
    bank: "Vietcombank",
    account_no: bankAccount,
    amount: payment.amount,
    description: `MBVCB.3141592653.${payment.reference}.CT tu 0071000123456`,
    transacted_at: new Date().toISOString(),
  };
  const raw = JSON.stringify(notice);
  const signature = createHmac("sha256", bankSecret).update(raw).digest("hex");
  const r = await fetch(`${base}/api/v1/payments/bank/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Signature": `sha256=${signature}` },
    body: raw,
  });
  check("the bank's notification", r, 200, 202, 204);
}

async function checkOut(buyer: Api): Promise<Schemas["CheckoutResult"]> {
  const address = body(
    "delivery address",
    await buyer.POST("/api/v1/me/addresses", {
      body: { recipient: "Nguyễn Thu Hà", phone: "0987654321", commune_code: buyerCommune, street: "12 Hùng Vương", is_default: true },
    }),
    201,
  );
  const cart = body("cart priced for the address", await buyer.GET("/api/v1/cart", { params: { query: { address_id: address.id } } }));
  const placed = body(
    "checkout by VietQR transfer",
    await buyer.POST("/api/v1/checkout", {
      params: { header: { "Idempotency-Key": randomUUID() } },
      body: { address_id: address.id, payment_method: "bank_transfer", expected_total: cart.grand_total ?? undefined },
    }),
    201,
  );
  const payment = placed.payment;
  if (payment?.provider !== "vietqr") throw new Error("no VietQR payment");
  const seen = await paymentEvents(buyer, placed.checkout_id, () => bankPays(payment));
  if (seen[0] !== "awaiting_payment" || seen[seen.length - 1] !== "paid") throw new Error(`events ${seen.join(",")}`);

  const inbox = body("the buyer's inbox", await buyer.GET("/api/v1/me/notifications"));
  const events = inbox.items.map((n) => n.event);
  for (const wanted of ["order_placed", "payment_received"] as const) {
    if (!events.includes(wanted)) throw new Error(`the buyer did not hear ${wanted}`);
  }
  for (const o of placed.orders) console.log(`    order ${o.number}: ${o.total} đ`);
  return placed;
}

/** The vendor's app: find the order by its number, confirm, ship with the stall's own
 * delivery, deliver. */
async function vendorDelivers(vendor: Api, stallId: string, number: string): Promise<void> {
  const waiting = body(
    "the stall's orders",
    await vendor.GET("/api/v1/stalls/{id}/orders", { params: { path: { id: stallId }, query: { status: "placed" } } }),
  );
  const orderId = waiting.items.find((o) => o.number === number)?.id;
  if (!orderId) throw new Error(`order ${number} is not among the stall's placed orders`);
  body("vendor confirms", await vendor.POST("/api/v1/orders/{id}/confirm", { params: { path: { id: orderId } } }));
  body(
    "vendor ships",
    await vendor.POST("/api/v1/orders/{id}/ship", {
      params: { path: { id: orderId } },
      body: { carrier: "self", tracking_no: "QT-0001" },
    }),
  );
  const delivered = body("vendor delivers", await vendor.POST("/api/v1/orders/{id}/deliver", { params: { path: { id: orderId } } }));
  if (delivered.status !== "delivered") throw new Error("not delivered");
}

/** The administrator pays the stall; the vendor sees the payout and hears of it. */
async function payout(admin: Api, vendor: Api, stallId: string): Promise<void> {
  const bank = await vendor.PUT("/api/v1/stalls/{id}/bank-account", {
    params: { path: { id: stallId } },
    body: { bank_bin: "970436", account_no: "0071000123456", account_name: "LE VAN TUNG" },
  });
  check("vendor's bank account", bank.response, 200);
  const batch = body("payout batch", await admin.POST("/api/v1/admin/payout-batches", { body: { minimum: 1 } }), 201);
  const mine = batch.payouts.find((p) => p.stall_id === stallId);
  if (!mine) throw new Error("the stall was not paid");
  body(
    "the administrator marks it paid",
    await admin.POST("/api/v1/admin/payouts/{id}/paid", {
      params: { path: { id: mine.id } },
      body: { bank_reference: "FT26339000111" },
    }),
  );
  const payouts = body(
    "the vendor's payouts",
    await vendor.GET("/api/v1/stalls/{id}/payouts", { params: { path: { id: stallId } } }),
  );
  const seen = payouts.items.find((p) => p.id === mine.id);
  if (seen?.status !== "paid" || seen.bank_reference !== "FT26339000111") throw new Error("payout not shown paid");
  const inbox = body("the vendor's inbox", await vendor.GET("/api/v1/me/notifications"));
  if (!inbox.items.some((n) => n.event === "payout_paid")) throw new Error("the vendor did not hear payout_paid");
}

/** The month of Vietnam's calendar (UTC+7) as statements name it: `yyyy-mm`. */
function vietnamMonth(): string {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 7);
}

/** A small PNG drawn here (a 16 × 16 square in the colour of fish sauce), as a phone sends one. */
function photo(): ArrayBuffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(kind, "ascii"), data]);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(typed));
    return Buffer.concat([head, typed, tail]);
  };
  const side = 16;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(side * (1 + side * 3));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) rows.set([150 + x, 90 + y, 30], y * (1 + side * 3) + 1 + x * 3);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
  const out = new ArrayBuffer(png.length);
  new Uint8Array(out).set(png);
  return out;
}

/** A Tết promotion: the administrator's voucher (funded by the platform) and the first stall's
 * own, used together on one checkout across two stalls, paid cash on delivery. */
async function promotions(admin: Api, buyer: Api, vendor: Api, stallId: string): Promise<void> {
  const tag = randomUUID().slice(0, 8).toUpperCase();
  const now = Date.now();
  const window = { starts_at: new Date(now - 60_000).toISOString(), ends_at: new Date(now + 7 * 86_400_000).toISOString() };
  const platformCode = `TET-${tag}`;
  const stallCode = `CUATUNG-${tag}`;
  body(
    "the platform's voucher",
    await admin.POST("/api/v1/admin/vouchers", {
      body: { code: platformCode, kind: "percent", value: 10, max_discount: 30_000, per_buyer_limit: 1, ...window },
    }),
    201,
  );
  body(
    "the stall's voucher",
    await vendor.POST("/api/v1/stalls/{id}/vouchers", {
      params: { path: { id: stallId } },
      body: { code: stallCode, kind: "fixed", value: 20_000, min_subtotal: 40_000, ...window },
    }),
    201,
  );

  const found = body(
    "search “ca phe khe sanh”",
    await buyer.GET("/api/v1/search/products", { params: { query: { q: "ca phe khe sanh", per_page: 5 } } }),
  );
  const coffee = found.hits.find((h) => h.in_stock && h.stall.id !== stallId);
  if (!coffee) throw new Error("no product of a second stall in stock");
  const ours = body(
    "the first stall's products",
    await buyer.GET("/api/v1/stalls/{id}/products", { params: { path: { id: stallId } } }),
  ).items.find((p) => p.in_stock);
  if (!ours) throw new Error("the first stall has nothing in stock");
  for (const [id, quantity] of [[ours.id, 2], [coffee.id, 1]] as const) {
    const put = await buyer.PUT("/api/v1/cart/items/{product_or_variant_id}", {
      params: { path: { product_or_variant_id: id } },
      body: { quantity },
    });
    check("add to the cart", put.response, 200);
  }
  const codes = [platformCode, stallCode];
  const preview = body(
    "the cart with both vouchers",
    await buyer.GET("/api/v1/cart", { params: { query: { commune_code: buyerCommune, voucher_codes: codes.join(",") } } }),
  );
  if (!preview.discount) throw new Error("the cart shows no discount");
  const addresses = body("the buyer's addresses", await buyer.GET("/api/v1/me/addresses"));
  const address = addresses.find((a) => a.is_default) ?? addresses[0];
  if (!address) throw new Error("no address");
  const placed = body(
    "checkout with two vouchers, cash on delivery",
    await buyer.POST("/api/v1/checkout", {
      params: { header: { "Idempotency-Key": randomUUID() } },
      body: { address_id: address.id, payment_method: "cod", voucher_codes: codes, expected_total: preview.grand_total ?? undefined },
    }),
    201,
  );
  if (placed.orders.length !== 2) throw new Error(`${placed.orders.length} orders, wanted 2`);
  const mine = placed.orders.find((o) => o.stall.id === stallId);
  const theirs = placed.orders.find((o) => o.stall.id !== stallId);
  if (!mine || !theirs) throw new Error("an order per stall");
  const funders = (o: typeof mine) => o.discounts.map((d) => `${d.code}:${d.funded_by}`).sort();
  if (funders(mine).join() !== [`${platformCode}:platform`, `${stallCode}:stall`].sort().join()) throw new Error(`first order's discounts ${funders(mine)}`);
  if (funders(theirs).join() !== `${platformCode}:platform`) throw new Error(`second order's discounts ${funders(theirs)}`);
  if (mine.discount + theirs.discount !== preview.discount) throw new Error("the orders' discounts differ from the cart's");
  for (const o of placed.orders) console.log(`    order ${o.number}: ${o.total} đ after ${o.discount} đ off`);

  await vendorDelivers(vendor, stallId, mine.number);
  const second = await login(secondVendorEmail, demoPassword);
  await vendorDelivers(second, theirs.stall.id, theirs.number);
  await review(buyer, vendor, ours.id, mine.id);
  await discountsOnStatements(vendor, stallId, second, theirs.stall.id);
}

/** The buyer reviews what was delivered, with a photo; the stall replies; the buyer hears it. */
async function review(buyer: Api, vendor: Api, productId: string, orderId: string): Promise<void> {
  const token = tokens.get(buyer);
  if (!token) throw new Error("the buyer is not signed in");
  const form = new FormData();
  form.append("file", new Blob([photo()], { type: "image/png" }), "nuoc-mam.png");
  const uploaded = await fetch(`${base}/api/v1/media`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
  check("the buyer uploads a photo", uploaded, 201);
  const media: unknown = await uploaded.json();
  const mediaId = typeof media === "object" && media !== null && "id" in media ? String(media.id) : "";
  const written = body(
    "the buyer reviews the product",
    await buyer.POST("/api/v1/products/{id}/reviews", {
      params: { path: { id: productId } },
      body: { order_id: orderId, rating: 5, text: "Nước mắm thơm, đậm vị, đóng gói cẩn thận.", images: [mediaId] },
    }),
    201,
  );
  if (written.images.length !== 1) throw new Error("the review lost its photo");
  body(
    "the stall replies",
    await vendor.POST("/api/v1/reviews/{id}/reply", { params: { path: { id: written.id } }, body: { text: "Cảm ơn anh chị đã ủng hộ!" } }),
    201,
  );
  const page = body("the product page", await buyer.GET("/api/v1/products/{id}", { params: { path: { id: productId } } }));
  if (page.rating.count < 1 || page.rating.average === null) throw new Error("the product shows no rating");
  console.log(`    rating ${page.rating.average} (${page.rating.count})`);
  const reviews = body("the product's reviews", await buyer.GET("/api/v1/products/{id}/reviews", { params: { path: { id: productId } } }));
  if (!reviews.items.some((r) => r.id === written.id && r.reply)) throw new Error("the review and its reply are not listed");
  const inbox = body("the buyer's inbox", await buyer.GET("/api/v1/me/notifications"));
  if (!inbox.items.some((n) => n.event === "review_replied")) throw new Error("the buyer did not hear review_replied");
}

/** Each stall's statement says who paid each discount: the first stall funded its own voucher,
 * the platform funded its voucher on both. */
async function discountsOnStatements(vendor: Api, stallId: string, second: Api, secondId: string): Promise<void> {
  const month = vietnamMonth();
  const totals = async (api: Api, id: string, step: string) => {
    const statement = body(step, await api.GET("/api/v1/stalls/{id}/statements/{month}", { params: { path: { id, month } } }));
    if (typeof statement === "string") throw new Error(`${step}: CSV where JSON was asked for`);
    return statement.totals;
  };
  const first = await totals(vendor, stallId, "the first stall's statement");
  const other = await totals(second, secondId, "the second stall's statement");
  if (first.stall_discount >= 0) throw new Error("the first stall's statement shows no discount of its own");
  for (const t of [first, other]) {
    if (t.platform_discount >= 0 || t.platform_funding !== -t.platform_discount) throw new Error("the platform's discount is not paid by the platform");
  }
  if (other.stall_discount !== 0) throw new Error("the second stall paid a discount it did not give");
  console.log(`    stall paid ${-first.stall_discount} đ; platform paid ${first.platform_funding + other.platform_funding} đ`);
}

/** The vendor connects the stall to GHN with its own shop and token: the token is kept, never
 * answered back. */
async function connectGhn(vendor: Api, stallId: string): Promise<void> {
  const connected = body(
    "vendor connects the stall to GHN",
    await vendor.PUT("/api/v1/stalls/{id}/carrier", {
      params: { path: { id: stallId } },
      body: { carrier: "ghn", shop_id: ghnShop, token: ghnToken },
    }),
  );
  if (connected.carrier !== "ghn" || connected.shop_id !== ghnShop) throw new Error("the stall's carrier is not GHN's shop");
  if (!connected.token_set || connected.token_source !== "stall") throw new Error("the stall's token is not kept");
  const read = body("the stall's carrier", await vendor.GET("/api/v1/stalls/{id}/carrier", { params: { path: { id: stallId } } }));
  if (read.carrier !== "ghn" || JSON.stringify(read).includes(ghnToken)) throw new Error("the stall's carrier answers its token");
}

/** GHN moves waybill `waybill` to its status `status` (the stand-in is told so on its control
 * endpoint and answers the callback GHN posts), and GHN posts the callback to the callback URL
 * registered with it. What the webhook did. */
async function ghnReports(waybill: string, status: string, secret = ghnWebhookSecret): Promise<Response> {
  const moved = await fetch(`${ghnStandin}/_standin/advance`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_code: waybill, status }),
  });
  check(`GHN's waybill is ${status}`, moved, 200);
  return ghnPosts(await moved.text(), secret);
}

/** GHN posts callback `callback` to the marketplace's webhook, with `secret` in its URL. */
async function ghnPosts(callback: string, secret: string): Promise<Response> {
  const query = secret ? `?secret=${encodeURIComponent(secret)}` : "";
  return fetch(`${base}/api/v1/carriers/ghn/webhook${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: callback,
  });
}

/** What the webhook answered it did with a callback. */
async function outcome(step: string, r: Response): Promise<string> {
  check(step, r, 200);
  const ack: unknown = await r.json();
  return typeof ack === "object" && ack !== null && "outcome" in ack ? String(ack.outcome) : "";
}

async function payable(vendor: Api, stallId: string, step: string): Promise<number> {
  const balance = body(step, await vendor.GET("/api/v1/stalls/{id}/balance", { params: { path: { id: stallId } } }));
  console.log(`    payable ${balance.payable} đ`);
  return balance.payable;
}

/** A cash-on-delivery order of one bottle from the stall, which ships with GHN. */
async function orderForGhn(buyer: Api, productId: string, stallId: string): Promise<Schemas["OrderView"]> {
  const put = await buyer.PUT("/api/v1/cart/items/{product_or_variant_id}", {
    params: { path: { product_or_variant_id: productId } },
    body: { quantity: 1 },
  });
  check("add a bottle to the cart", put.response, 200);
  const addresses = body("the buyer's addresses", await buyer.GET("/api/v1/me/addresses"));
  const address = addresses.find((a) => a.is_default) ?? addresses[0];
  if (!address) throw new Error("no address");
  const cart = body("the cart priced by GHN", await buyer.GET("/api/v1/cart", { params: { query: { address_id: address.id } } }));
  const line = cart.stalls?.find((g) => g.stall_id === stallId);
  console.log(`    delivery ${line?.delivery?.fee ?? "-"} đ (${line?.delivery?.source ?? "-"})`);
  const placed = body(
    "checkout, cash on delivery",
    await buyer.POST("/api/v1/checkout", {
      params: { header: { "Idempotency-Key": randomUUID() } },
      body: { address_id: address.id, payment_method: "cod", expected_total: cart.grand_total ?? undefined },
    }),
    201,
  );
  const order = placed.orders.find((o) => o.stall.id === stallId);
  if (placed.orders.length !== 1 || !order) throw new Error("one order of the stall");
  return order;
}

/** The vendor books the order with GHN: a waybill, the order's cash to collect. */
async function shipWithGhn(vendor: Api, orderId: string, cash: number): Promise<string> {
  body("vendor confirms", await vendor.POST("/api/v1/orders/{id}/confirm", { params: { path: { id: orderId } } }));
  const shipped = body(
    "vendor ships with GHN",
    await vendor.POST("/api/v1/orders/{id}/ship", { params: { path: { id: orderId } }, body: { carrier: "ghn" } }),
  );
  const shipment = shipped.shipment;
  if (shipped.status !== "shipped" || shipment?.carrier !== "ghn") throw new Error("not shipped with GHN");
  if (!shipment.tracking_no || shipment.status !== "booked") throw new Error(`no waybill booked (${shipment.status})`);
  if (shipment.cod_amount !== cash) throw new Error(`GHN collects ${shipment.cod_amount} đ, the order is ${cash} đ`);
  console.log(`    waybill ${shipment.tracking_no}, GHN collects ${shipment.cod_amount} đ`);
  return shipment.tracking_no;
}

/** GHN picks the parcel up and delivers it, telling by callbacks (a forged one refused, a
 * repeated one applied once); the buyer follows it on the order. */
async function ghnDelivers(buyer: Api, orderId: string, waybill: string): Promise<void> {
  const seen = async (step: string) =>
    body(step, await buyer.GET("/api/v1/orders/{id}", { params: { path: { id: orderId } } }));
  if ((await outcome("GHN's callback: picked", await ghnReports(waybill, "picked"))) !== "applied") throw new Error("picked not applied");
  const picked = await seen("the buyer follows the parcel");
  if (picked.shipment?.status !== "picked_up" || !picked.shipment.events.some((e) => e.status === "picked_up")) {
    throw new Error(`the parcel shows ${picked.shipment?.status}`);
  }
  for (const status of ["transporting", "delivering"]) {
    if ((await outcome(`GHN's callback: ${status}`, await ghnReports(waybill, status))) !== "applied") throw new Error(`${status} not applied`);
  }
  const moved = await fetch(`${ghnStandin}/_standin/advance`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_code: waybill, status: "delivered" }),
  });
  check("GHN's waybill is delivered", moved, 200);
  const callback = await moved.text();
  const forged = await ghnPosts(callback, "not-the-callback-secret");
  check("a callback without the secret is refused", forged, 401);
  if ((await seen("still on its way")).status !== "shipped") throw new Error("a forged callback moved the order");
  if ((await outcome("GHN's callback: delivered", await ghnPosts(callback, ghnWebhookSecret))) !== "applied") throw new Error("delivered not applied");
  if ((await outcome("GHN sends it again", await ghnPosts(callback, ghnWebhookSecret))) !== "duplicate") throw new Error("a repeated callback applied twice");
  const delivered = await seen("the buyer sees it delivered");
  if (delivered.status !== "delivered" || delivered.shipment?.status !== "delivered") throw new Error("not delivered");
  const trail = delivered.shipment.events.map((e) => e.status);
  console.log(`    parcel: ${trail.join(" → ")}`);
  for (const wanted of ["picked_up", "in_transit", "delivering", "delivered"] as const) {
    if (!trail.includes(wanted)) throw new Error(`the parcel's events lack ${wanted}`);
  }
}

/** The administrator uploads GHN's remittance statement for the order: settled, no longer held
 * by GHN. What GHN kept as its fee. */
async function remit(admin: Api, order: Schemas["OrderView"], waybill: string): Promise<number> {
  const held = body("cash GHN holds", await admin.GET("/api/v1/admin/cod-receivables", { params: { query: { carrier: "ghn" } } }));
  const owed = held.orders.items.find((r) => r.order_id === order.id);
  if (owed?.amount !== order.total) throw new Error("GHN's cash for the order is not listed as held");
  const fee = order.delivery_fee;
  const statement = body(
    "the administrator uploads GHN's statement",
    await admin.POST("/api/v1/admin/cod-remittances", {
      body: {
        carrier: "ghn",
        reference: `GHN-DS-${randomUUID().slice(0, 8).toUpperCase()}`,
        remitted_on: new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10),
        lines: [{ tracking_no: waybill, order_number: order.number, cod_amount: order.total, fee }],
      },
    }),
    201,
  );
  const line = statement.lines?.[0];
  if (statement.matched_count !== 1 || statement.mismatch_count !== 0 || line?.result !== "matched" || line.order_id !== order.id) {
    throw new Error("the statement did not settle the order");
  }
  if (statement.net_total !== order.total - fee) throw new Error("the statement's net is not the cash less the fee");
  const after = body("cash GHN still holds", await admin.GET("/api/v1/admin/cod-receivables", { params: { query: { carrier: "ghn" } } }));
  if (after.orders.items.some((r) => r.order_id === order.id)) throw new Error("the remitted order is still held by GHN");
  return fee;
}

/** The payout pays the stall what it may be paid, GHN's remittance included. */
async function payRemitted(admin: Api, vendor: Api, stallId: string, amount: number): Promise<void> {
  const batch = body("payout batch", await admin.POST("/api/v1/admin/payout-batches", { body: { minimum: 1 } }), 201);
  const mine = batch.payouts.find((p) => p.stall_id === stallId);
  if (mine?.amount !== amount) throw new Error(`the stall is paid ${mine?.amount ?? 0} đ, wanted ${amount} đ`);
  body(
    "the administrator marks it paid",
    await admin.POST("/api/v1/admin/payouts/{id}/paid", { params: { path: { id: mine.id } }, body: { bank_reference: "FT26339000222" } }),
  );
  const payouts = body("the vendor's payouts", await vendor.GET("/api/v1/stalls/{id}/payouts", { params: { path: { id: stallId } } }));
  if (payouts.items.find((p) => p.id === mine.id)?.status !== "paid") throw new Error("payout not shown paid");
  if ((await payable(vendor, stallId, "nothing left to pay")) !== 0) throw new Error("the stall still has money payable");
}

/** A parcel with GHN, cash on delivery: booked, followed, delivered by GHN's callback; the cash
 * held by GHN is not payable until the administrator uploads GHN's remittance, then is paid out
 * less GHN's fee. */
async function carrierDelivers(admin: Api, buyer: Api, vendor: Api, product: Schemas["ProductSummary"]): Promise<void> {
  const stallId = product.stall.id;
  await connectGhn(vendor, stallId);
  const order = await orderForGhn(buyer, product.id, stallId);
  const before = await payable(vendor, stallId, "the stall's balance before");
  const waybill = await shipWithGhn(vendor, order.id, order.total);
  await ghnDelivers(buyer, order.id, waybill);
  const held = await payable(vendor, stallId, "the stall's balance, GHN holding the cash");
  if (held > before) throw new Error("cash GHN holds became payable");
  const fee = await remit(admin, order, waybill);
  const remitted = await payable(vendor, stallId, "the stall's balance, GHN's cash remitted");
  if (remitted - held !== order.total - fee) throw new Error(`payable grew by ${remitted - held} đ, wanted ${order.total - fee} đ`);
  for (const kind of ["cod_receivable", "cod_remitted", "carrier_fee"] as const) {
    const entries = body(
      `the stall's ${kind} entries`,
      await vendor.GET("/api/v1/stalls/{id}/ledger", { params: { path: { id: stallId }, query: { kind } } }),
    );
    if (!entries.items.some((e) => e.order_id === order.id)) throw new Error(`no ${kind} entry for the order`);
  }
  await payRemitted(admin, vendor, stallId, remitted);
}

async function main(): Promise<void> {
  const { cartId, product } = await asGuest(client());
  const buyer = await signUp(cartId);
  const placed = await checkOut(buyer);
  const order = placed.orders.find((o) => o.stall.id === product.stall.id);
  if (!order) throw new Error("no order for the product's stall");
  const vendor = await login(vendorEmail, demoPassword);
  await vendorDelivers(vendor, product.stall.id, order.number);
  const admin = await login(adminEmail, demoPassword);
  await payout(admin, vendor, product.stall.id);
  await promotions(admin, buyer, vendor, product.stall.id);
  await carrierDelivers(admin, buyer, vendor, product);
  console.log("the journey ran end to end");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
