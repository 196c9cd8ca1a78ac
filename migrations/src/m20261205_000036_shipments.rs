//! Parcels booked with an integrated carrier: `shipments`, one per order (a unique index on
//! `order_id`, so two `ship` requests racing for one order reserve one booking), with the
//! carrier's waybill (unique per carrier), its label, the normalised status, the cash the
//! carrier collects, its fee, the key the booking was sent with (our order number, the
//! carrier's client order code) and the carrier's time of the last event applied; and
//! `shipment_events`, the carrier's history of the parcel, one row per event however often
//! the carrier sends it (a unique index on the shipment and the event's key).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("shipments")
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(uuid("stall_id"))
                    // The carrier's name as configured (`ghn`).
                    .col(string_len("carrier", 32))
                    // The carrier's service chosen, if any.
                    .col(string_len_null("service", 32))
                    // The waybill; null while the booking is reserved and not yet answered.
                    .col(string_len_null("tracking_no", 64))
                    .col(text_null("label_url"))
                    // `booking`, then the carrier's states as normalised.
                    .col(string_len("status", 24))
                    // Cash the carrier collects from the buyer, đồng (0: paid online).
                    .col(big_integer("cod_amount"))
                    // The carrier's fee, đồng, once it answered.
                    .col(big_integer_null("fee"))
                    // Sent as the carrier's client order code: a retry names the same parcel.
                    .col(string_len("booking_key", 64))
                    // While a request is booking it with the carrier (a lease: a crashed
                    // booking is taken up again once it has passed).
                    .col(timestamp_with_time_zone_null("booking_until"))
                    // The carrier's time of the last event applied to the status.
                    .col(timestamp_with_time_zone_null("last_event_at"))
                    // When we last heard of it (a callback, a poll): the poll asks after
                    // parcels not heard of for a while.
                    .col(timestamp_with_time_zone("checked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shipments_order")
                            .from("shipments", "order_id")
                            .to("orders", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            ("uq_shipments_order", &["order_id"][..], true),
            (
                "uq_shipments_tracking",
                &["carrier", "tracking_no"][..],
                true,
            ),
            (
                "uq_shipments_booking_key",
                &["carrier", "booking_key"][..],
                true,
            ),
            ("idx_shipments_open", &["status", "checked_at"][..], false),
        ] {
            let mut index = Index::create();
            index.name(name).table("shipments");
            for col in cols {
                index.col(*col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("shipment_events")
                    .col(uuid("id").primary_key())
                    .col(uuid("shipment_id"))
                    // The carrier's time of the event.
                    .col(timestamp_with_time_zone("at"))
                    // Normalised, and as the carrier said it.
                    .col(string_len("status", 24))
                    .col(string_len("raw_status", 64))
                    .col(text_null("location"))
                    .col(text_null("note"))
                    // What makes the event one: a second delivery of it is ignored.
                    .col(string_len("dedupe_key", 160))
                    // Whether it moved the shipment (false: it came after a later one).
                    .col(boolean("applied"))
                    // `callback`, `poll` or `booking`.
                    .col(string_len("source", 16))
                    .col(timestamp_with_time_zone("received_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shipment_events_shipment")
                            .from("shipment_events", "shipment_id")
                            .to("shipments", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_shipment_events_key")
                    .table("shipment_events")
                    .col("shipment_id")
                    .col("dedupe_key")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("shipment_events").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("shipments").to_owned())
            .await
    }
}
