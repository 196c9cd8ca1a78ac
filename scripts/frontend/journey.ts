// The whole journey of a shop front and a vendor's app, written against the client generated
// from /openapi.json (openapi-typescript types, openapi-fetch calls): a guest fills a cart and
// asks what delivery costs, signs up and the cart follows, pays by VietQR transfer and watches
// the payment arrive as Server-Sent Events; the vendor confirms, ships and delivers; the
// administrator pays the stall; the vendor sees the payout. No cast, no `any`, and no English
// message is read: decisions are taken on status codes, problem codes and fields.
//
// Run by scripts/frontend-check.sh against a real gateway (scripts/frontend/journey-run.sh):
// JOURNEY_URL is the gateway, BANK_SECRET the bank webhook's secret, BANK_ACCOUNT the
// marketplace's account number.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { createHmac, randomUUID } from "node:crypto";
import type { components, paths } from "../../target/frontend/api";

type Schemas = components["schemas"];
type Api = Client<paths>;

const base = process.env.JOURNEY_URL ?? "http://127.0.0.1:18090";
const bankSecret = process.env.BANK_SECRET ?? "";
const bankAccount = process.env.BANK_ACCOUNT ?? "";
const demoPassword = "cho-ocop-demo-2026";
const vendorEmail = "cuatung@demo.cho-ocop.test";
const adminEmail = "quantri@demo.cho-ocop.test";
/** Phường Đông Hà, Quảng Trị: the buyer's commune. */
const buyerCommune = "19333";

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

async function login(email: string, password: string): Promise<Api> {
  const r = await client().POST("/api/v1/auth/login", { body: { email, password } });
  return client(body(`sign in ${email}`, r).token);
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
  console.log("the journey ran end to end");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
