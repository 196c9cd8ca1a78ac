// Code a shop front would write against the client generated from /openapi.json; it must
// type-check. The `@ts-expect-error` lines must fail to type-check, so closed sets are unions
// in the generated types, not plain strings.
import type { components, paths } from "../../target/frontend/api";

type Schemas = components["schemas"];
type SearchQuery = NonNullable<paths["/api/v1/search/products"]["get"]["parameters"]["query"]>;

export type Sort = NonNullable<SearchQuery["sort"]>;
export const sorts: Sort[] = ["relevance", "price_asc", "price_desc", "newest", "bestselling"];
// @ts-expect-error: the search's sort is one of the documented keys
export const notASort: Sort = "cheapest";

export type ListSort = NonNullable<
  NonNullable<paths["/api/v1/stalls/{id}/products"]["get"]["parameters"]["query"]>["sort"]
>;
// @ts-expect-error: a listing has no relevance order
export const noRelevance: ListSort = "relevance";

export const code: Schemas["ProblemCode"] = "validation_failed";
// @ts-expect-error: problem codes are a closed set
export const notACode: Schemas["ProblemCode"] = "oops";

/** A cart page renders every line from the cart alone. */
export function cartLine(l: Schemas["CartLine"]): string {
  return [l.name, l.unit ?? "", l.slug ?? "", l.image ?? "", l.stall?.name ?? ""].join(" · ");
}

/** A cart line that cannot be bought says why by a code, its numbers as fields: the shop
 * front words it itself (or shows `message`, in the buyer's language). */
export function lineProblem(l: Schemas["CartLine"]): string {
  const p = l.problem;
  if (!p) return "";
  switch (p.code) {
    case "out_of_stock":
      return `còn ${p.available ?? 0}`;
    case "price_changed":
      return `${p.price_was ?? 0} → ${p.price_now ?? 0} đ`;
    case "unavailable":
      return "ngừng bán";
  }
}
/** Cart and order lines name their unit price alike. */
export const unitPrices = (c: Schemas["CartLine"], o: Schemas["OrderLine"]): number[] => [
  c.unit_price,
  o.unit_price,
];
// @ts-expect-error: a cart line's problem is one of the documented codes
export const notALineProblem: Schemas["LineProblemCode"] = "sold_out";
export const commune: Schemas["CommuneRef"] = { code: "19414", name: "Xã Cửa Tùng" };

/** An order page names the order by its number, the stall and where it goes. */
export function orderHeading(o: Schemas["OrderView"]): string {
  return `#${o.number} ${o.stall.name}: ${o.shipping.commune.name}, ${o.shipping.province?.name ?? ""}, ${o.total} đ`;
}

/** A search hit is a product card: the same fields as the product page. */
export function card(hit: Schemas["ProductSummary"]): string {
  return `${hit.name} (${hit.category.name}, ${hit.commune?.name ?? ""}) ${hit.stall.name}`;
}
export const fromPage = (p: Schemas["Product"]): Schemas["ProductSummary"] => ({
  id: p.id, slug: p.slug, name: p.name, price: p.price, price_max: p.price_max,
  price_in_force: p.price_in_force, rating: { average: p.rating.average, count: p.rating.count },
  in_stock: p.in_stock, unit: p.unit, image: p.image,
  ocop_stars: p.ocop_stars, sales_count: p.sales_count, category: p.category,
  commune: p.commune, stall: p.stall,
});

export const fieldCode: Schemas["ProblemField"]["code"] = "too_short";
// @ts-expect-error: field codes are a closed set (config/messages.toml)
export const notAFieldCode: Schemas["ProblemField"]["code"] = "too_shrt";
export const event: Schemas["NotificationView"]["event"] = "order_shipped";
// @ts-expect-error: events are a closed set
export const notAnEvent: Schemas["NotificationView"]["event"] = "order_sent";

/** A form shows each field's error by its code, in the shop's own words. */
export function fieldCodes(p: Schemas["Problem"]): Record<string, string> {
  return Object.fromEntries(p.errors.map((e) => [e.field, e.code]));
}

/** The checkout answer: one order per stall, paid together. */
export function stallsPaid(r: Schemas["CheckoutResult"]): string[] {
  if (r.payment?.provider === "vietqr") {
    const transfer: string = r.payment.reference;
    void transfer;
  }
  return r.orders.map((o) => o.stall.name);
}
