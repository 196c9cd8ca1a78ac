//! Demo and synthetic data. The demo is a small, realistic catalogue of the province's local
//! products, made through the same services a user's requests go through; the synthetic set is
//! many deterministic products for benchmarks, written in bulk.

use std::io::Write;

use accounts::{Accounts, NewUser, User};
use catalog::{
    Catalog,
    product::{NewProduct, OcopInput},
    stall::{BusinessType, NewStall, StallAction},
};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

/// Password of every demo account (printed at seeding; this is demo data, not a secret).
pub const DEMO_PASSWORD: &str = "cho-ocop-demo-2026";
/// The demo administrator.
pub const DEMO_ADMIN: &str = "quantri@demo.cho-ocop.test";
/// The demo buyer.
pub const DEMO_BUYER: &str = "khachhang@demo.cho-ocop.test";

struct DemoStall {
    owner: &'static str,
    owner_name: &'static str,
    name: &'static str,
    description: &'static str,
    commune: &'static str,
    address: &'static str,
    phone: &'static str,
    kind: BusinessType,
    approved: bool,
}

/// (stall index, name, category slug, price, unit, stock, OCOP (stars, verified), description)
type DemoProduct = (
    usize,
    &'static str,
    &'static str,
    i64,
    &'static str,
    i64,
    Option<(u8, bool)>,
    &'static str,
);

const STALLS: &[DemoStall] = &[
    DemoStall {
        owner: "cuatung@demo.cho-ocop.test",
        owner_name: "Lê Văn Tùng",
        name: "HTX Nước mắm Cửa Tùng",
        description: "Nước mắm cá cơm ủ chượp trong thùng gỗ theo cách làm truyền thống của làng biển Cửa Tùng.",
        commune: "19414",
        address: "Thôn Tân Lý, xã Cửa Tùng",
        phone: "0233 3823 456",
        kind: BusinessType::Cooperative,
        approved: true,
    },
    DemoStall {
        owner: "khesanh@demo.cho-ocop.test",
        owner_name: "Hồ Thị Minh",
        name: "Cà phê Khe Sanh Hoàng Minh",
        description: "Cà phê Arabica và Robusta trồng trên đất đỏ bazan Khe Sanh, rang mộc tại vườn.",
        commune: "19429",
        address: "Khối 3, xã Khe Sanh",
        phone: "0914 221 387",
        kind: BusinessType::HouseholdBusiness,
        approved: true,
    },
    DemoStall {
        owner: "hotieu@demo.cho-ocop.test",
        owner_name: "Trần Đình Linh",
        name: "HTX Hồ tiêu Vĩnh Linh",
        description: "Hồ tiêu đỏ đất đỏ bazan Vĩnh Linh, thu hái chín và phơi nắng tự nhiên.",
        commune: "19363",
        address: "Thôn Tân Trại, xã Vĩnh Linh",
        phone: "0233 3828 119",
        kind: BusinessType::Cooperative,
        approved: true,
    },
    DemoStall {
        owner: "matong@demo.cho-ocop.test",
        owner_name: "Hồ Văn Phùng",
        name: "Mật ong rừng Hướng Phùng",
        description: "Mật ong khai thác từ rừng tự nhiên dãy Trường Sơn, không pha trộn.",
        commune: "19441",
        address: "Bản Cheng, xã Hướng Phùng",
        phone: "0975 334 120",
        kind: BusinessType::HouseholdBusiness,
        approved: true,
    },
    DemoStall {
        owner: "dautram@demo.cho-ocop.test",
        owner_name: "Nguyễn Thị Hoa",
        name: "Dầu tràm Gio Linh",
        description: "Tinh dầu tràm gió chưng cất từ lá tràm vùng cát Gio Linh.",
        commune: "19495",
        address: "Thôn Hà Thanh, xã Gio Linh",
        phone: "0905 776 432",
        kind: BusinessType::Enterprise,
        approved: true,
    },
    DemoStall {
        owner: "gaotrieuphong@demo.cho-ocop.test",
        owner_name: "Phan Văn Hải",
        name: "Gạo hữu cơ Triệu Phong",
        description: "Gạo canh tác hữu cơ trên cánh đồng ven sông Thạch Hãn.",
        commune: "19624",
        address: "Thôn Phú Liêu, xã Triệu Phong",
        phone: "0233 3861 245",
        kind: BusinessType::Cooperative,
        approved: true,
    },
    DemoStall {
        owner: "banhit@demo.cho-ocop.test",
        owner_name: "Võ Thị Lài",
        name: "Bánh ít lá gai Quảng Trị",
        description: "Bánh ít lá gai nhân đậu xanh, dừa, làm thủ công mỗi ngày.",
        commune: "19360",
        address: "Đường Trần Hưng Đạo, phường Quảng Trị",
        phone: "0916 451 208",
        kind: BusinessType::HouseholdBusiness,
        approved: true,
    },
    DemoStall {
        owner: "thaoduoc@demo.cho-ocop.test",
        owner_name: "Hồ Văn Krông",
        name: "Thảo dược Đakrông",
        description: "Dược liệu bản địa của đồng bào Vân Kiều, Pa Kô được trồng dưới tán rừng.",
        commune: "19564",
        address: "Thôn Khe Ngài, xã Đakrông",
        phone: "0987 112 563",
        kind: BusinessType::Cooperative,
        approved: true,
    },
    DemoStall {
        owner: "thocam@demo.cho-ocop.test",
        owner_name: "Kăn Thị Sa",
        name: "Thổ cẩm Vân Kiều Lao Bảo",
        description: "Vải thổ cẩm dệt tay bằng khung dệt truyền thống của phụ nữ Vân Kiều.",
        commune: "19432",
        address: "Bản Ka Tăng, xã Lao Bảo",
        phone: "0942 687 019",
        kind: BusinessType::Individual,
        approved: true,
    },
    DemoStall {
        owner: "donghoi@demo.cho-ocop.test",
        owner_name: "Đặng Văn Hới",
        name: "Đặc sản biển Đồng Hới",
        description: "Hải sản một nắng, ruốc và khoai deo của vùng biển Quảng Bình cũ.",
        commune: "18880",
        address: "Đường Trương Pháp, phường Đồng Hới",
        phone: "0232 3822 771",
        kind: BusinessType::Enterprise,
        approved: true,
    },
    DemoStall {
        owner: "maytre@demo.cho-ocop.test",
        owner_name: "Cao Thị Nha",
        name: "Mây tre đan Phong Nha",
        description: "Giỏ, khay và đồ trang trí đan từ mây tre rừng Phong Nha.",
        commune: "19138",
        address: "Thôn Xuân Tiến, xã Phong Nha",
        phone: "0911 502 386",
        kind: BusinessType::HouseholdBusiness,
        approved: false,
    },
];

const PRODUCTS: &[DemoProduct] = &[
    (
        0,
        "Nước mắm Cửa Tùng 40 độ đạm",
        "gia-vi-nuoc-cham",
        120_000,
        "chai 500 ml",
        240,
        Some((4, true)),
        "Nước mắm nhĩ cá cơm than, ủ chượp 12 tháng, màu cánh gián, vị ngọt hậu.",
    ),
    (
        0,
        "Nước mắm Cửa Tùng 30 độ đạm",
        "gia-vi-nuoc-cham",
        75_000,
        "chai 500 ml",
        420,
        Some((3, true)),
        "Nước mắm truyền thống dùng hằng ngày, không chất bảo quản.",
    ),
    (
        0,
        "Nước mắm cá cơm thượng hạng",
        "gia-vi-nuoc-cham",
        245_000,
        "chai 1 lít",
        90,
        None,
        "Mẻ chượp chọn lọc, độ đạm cao, đóng chai thủy tinh.",
    ),
    (
        0,
        "Mắm ruốc Cửa Tùng",
        "gia-vi-nuoc-cham",
        55_000,
        "hũ 250 g",
        160,
        None,
        "Ruốc biển xay nhuyễn, ủ muối, thơm đậm đà.",
    ),
    (
        0,
        "Cá cơm khô Cửa Tùng",
        "thuy-hai-san",
        180_000,
        "túi 500 g",
        70,
        None,
        "Cá cơm phơi một nắng, giữ vị ngọt tự nhiên.",
    ),
    (
        0,
        "Bộ quà nước mắm Cửa Tùng",
        "gia-vi-nuoc-cham",
        390_000,
        "hộp 3 chai",
        40,
        Some((4, true)),
        "Hộp quà ba chai nước mắm đặc sản làng biển.",
    ),
    (
        1,
        "Cà phê Arabica Khe Sanh rang mộc",
        "ca-phe",
        165_000,
        "gói 500 g",
        300,
        Some((4, true)),
        "Arabica Catimor trồng ở độ cao 600 m, rang mộc vừa, hương trái cây.",
    ),
    (
        1,
        "Cà phê Robusta Khe Sanh",
        "ca-phe",
        120_000,
        "gói 500 g",
        350,
        Some((3, true)),
        "Robusta đậm vị, hậu ngọt, hợp pha phin.",
    ),
    (
        1,
        "Cà phê hạt Khe Sanh xuất khẩu",
        "ca-phe",
        310_000,
        "gói 1 kg",
        80,
        None,
        "Hạt sàng 18, tuyển chọn thủ công.",
    ),
    (
        1,
        "Cà phê phin giấy Khe Sanh",
        "ca-phe",
        85_000,
        "hộp 10 gói",
        200,
        None,
        "Tiện pha ở văn phòng, mỗi gói 12 g.",
    ),
    (
        1,
        "Cà phê chồn Khe Sanh",
        "ca-phe",
        1_200_000,
        "hộp 250 g",
        15,
        None,
        "Sản lượng ít, hương vị đặc biệt.",
    ),
    (
        1,
        "Trà hoa cà phê",
        "tra",
        95_000,
        "hộp 100 g",
        60,
        None,
        "Hoa cà phê sấy khô, pha trà thơm dịu.",
    ),
    (
        2,
        "Hồ tiêu đỏ Vĩnh Linh",
        "gia-vi-nuoc-cham",
        220_000,
        "hũ 200 g",
        150,
        Some((4, true)),
        "Tiêu chín đỏ trên cây, vị cay ấm, thơm nồng.",
    ),
    (
        2,
        "Hồ tiêu đen Vĩnh Linh",
        "gia-vi-nuoc-cham",
        150_000,
        "túi 500 g",
        260,
        Some((3, true)),
        "Tiêu đen phơi nắng, hạt chắc, ít lép.",
    ),
    (
        2,
        "Tiêu sọ trắng Vĩnh Linh",
        "gia-vi-nuoc-cham",
        260_000,
        "hũ 200 g",
        90,
        None,
        "Tiêu bóc vỏ, vị cay thanh.",
    ),
    (
        2,
        "Tiêu xanh ngâm muối",
        "gia-vi-nuoc-cham",
        70_000,
        "hũ 300 g",
        110,
        None,
        "Chùm tiêu xanh ngâm nước muối, dùng kho cá.",
    ),
    (
        2,
        "Bột tiêu Vĩnh Linh",
        "gia-vi-nuoc-cham",
        60_000,
        "lọ 100 g",
        300,
        None,
        "Xay từ tiêu đen loại 1.",
    ),
    (
        2,
        "Hộp quà tiêu ba màu",
        "gia-vi-nuoc-cham",
        350_000,
        "hộp 3 hũ",
        45,
        Some((4, false)),
        "Tiêu đỏ, đen, trắng trong hộp gỗ.",
    ),
    (
        3,
        "Mật ong rừng Hướng Phùng",
        "mat-ong",
        380_000,
        "chai 500 ml",
        120,
        Some((4, true)),
        "Mật ong hoa rừng tự nhiên, độ ẩm dưới 20%.",
    ),
    (
        3,
        "Mật ong bạc hà núi",
        "mat-ong",
        420_000,
        "chai 500 ml",
        60,
        None,
        "Mật từ hoa bạc hà núi, vị thanh mát.",
    ),
    (
        3,
        "Mật ong ngâm nghệ",
        "mat-ong",
        250_000,
        "hũ 300 g",
        80,
        None,
        "Tinh bột nghệ ngâm mật ong rừng.",
    ),
    (
        3,
        "Sáp ong nguyên chất",
        "mat-ong",
        90_000,
        "khối 200 g",
        40,
        None,
        "Sáp ong lọc sạch, dùng làm nến và mỹ phẩm.",
    ),
    (
        3,
        "Phấn hoa rừng",
        "thuc-pham-chuc-nang",
        280_000,
        "hũ 250 g",
        35,
        None,
        "Phấn hoa thu từ tổ ong rừng, sấy lạnh.",
    ),
    (
        3,
        "Mật ong rừng hộp quà",
        "mat-ong",
        720_000,
        "hộp 2 chai",
        25,
        Some((4, true)),
        "Hai chai mật ong rừng trong hộp quà.",
    ),
    (
        4,
        "Dầu tràm Gio Linh nguyên chất",
        "tinh-dau",
        90_000,
        "chai 100 ml",
        500,
        Some((4, true)),
        "Tinh dầu tràm gió 100%, giữ ấm cho trẻ nhỏ.",
    ),
    (
        4,
        "Dầu tràm cho bé",
        "tinh-dau",
        65_000,
        "chai 50 ml",
        400,
        Some((4, true)),
        "Nồng độ dịu, có vòi nhỏ giọt.",
    ),
    (
        4,
        "Tinh dầu sả chanh",
        "tinh-dau",
        80_000,
        "chai 100 ml",
        220,
        None,
        "Xông phòng, đuổi muỗi.",
    ),
    (
        4,
        "Dầu xoa bóp tràm gừng",
        "tinh-dau",
        75_000,
        "chai 50 ml",
        180,
        None,
        "Tràm kết hợp gừng, xoa bóp giảm đau mỏi.",
    ),
    (
        4,
        "Xà phòng tràm thủ công",
        "my-pham-thao-duoc",
        45_000,
        "bánh 100 g",
        260,
        None,
        "Xà phòng dầu dừa và tinh dầu tràm.",
    ),
    (
        4,
        "Bộ tinh dầu quà tặng",
        "tinh-dau",
        250_000,
        "hộp 3 chai",
        50,
        None,
        "Tràm, sả chanh, quế.",
    ),
    (
        5,
        "Gạo hữu cơ Triệu Phong",
        "gao-ngu-coc",
        45_000,
        "túi 2 kg",
        600,
        Some((3, true)),
        "Gạo dẻo thơm, canh tác không thuốc bảo vệ thực vật.",
    ),
    (
        5,
        "Gạo lứt đỏ Triệu Phong",
        "gao-ngu-coc",
        60_000,
        "túi 2 kg",
        300,
        None,
        "Gạo lứt giàu chất xơ, tốt cho người ăn kiêng.",
    ),
    (
        5,
        "Gạo nếp cái hoa vàng",
        "gao-ngu-coc",
        70_000,
        "túi 2 kg",
        200,
        None,
        "Nếp dẻo thơm để đồ xôi, làm bánh.",
    ),
    (
        5,
        "Bột gạo lứt rang",
        "gao-ngu-coc",
        85_000,
        "hũ 500 g",
        120,
        None,
        "Gạo lứt rang xay mịn, pha uống liền.",
    ),
    (
        5,
        "Cốm gạo Triệu Phong",
        "banh-keo-mut",
        35_000,
        "túi 300 g",
        180,
        None,
        "Cốm rang giòn trộn mật mía.",
    ),
    (
        5,
        "Gạo hữu cơ hộp quà Tết",
        "gao-ngu-coc",
        180_000,
        "hộp 5 kg",
        60,
        Some((3, true)),
        "Hộp quà gạo hữu cơ đóng túi hút chân không.",
    ),
    (
        6,
        "Bánh ít lá gai nhân đậu",
        "banh-keo-mut",
        60_000,
        "hộp 10 cái",
        80,
        Some((3, true)),
        "Vỏ lá gai dẻo, nhân đậu xanh dừa.",
    ),
    (
        6,
        "Bánh ít lá gai nhân dừa",
        "banh-keo-mut",
        65_000,
        "hộp 10 cái",
        70,
        None,
        "Nhân dừa nạo đường phèn.",
    ),
    (
        6,
        "Bánh bột lọc Quảng Trị",
        "thuc-pham-che-bien",
        50_000,
        "khay 20 cái",
        50,
        None,
        "Bánh bột lọc nhân tôm thịt, hấp chín đông lạnh.",
    ),
    (
        6,
        "Bánh tét chuối",
        "thuc-pham-che-bien",
        45_000,
        "đòn 500 g",
        40,
        None,
        "Bánh tét nhân chuối, gói lá chuối.",
    ),
    (
        6,
        "Mè xửng Quảng Trị",
        "banh-keo-mut",
        40_000,
        "hộp 200 g",
        150,
        None,
        "Kẹo mè dẻo, ngọt vừa.",
    ),
    (
        6,
        "Bánh khoái mì",
        "banh-keo-mut",
        30_000,
        "gói 250 g",
        120,
        None,
        "Bánh sắn nướng giòn.",
    ),
    (
        7,
        "Cà gai leo Đakrông",
        "duoc-lieu",
        120_000,
        "túi 500 g",
        140,
        Some((4, true)),
        "Thân lá cà gai leo sấy khô, hãm trà.",
    ),
    (
        7,
        "Chè vằng sẻ",
        "tra",
        80_000,
        "túi 500 g",
        160,
        None,
        "Chè vằng lợi sữa cho phụ nữ sau sinh.",
    ),
    (
        7,
        "Cao cà gai leo",
        "thuc-pham-chuc-nang",
        350_000,
        "hũ 100 g",
        50,
        Some((4, false)),
        "Cao đặc nấu từ cà gai leo tươi.",
    ),
    (
        7,
        "Trà thảo mộc Đakrông",
        "tra",
        95_000,
        "hộp 20 túi lọc",
        200,
        None,
        "Phối hợp cà gai leo, chè vằng, cỏ ngọt.",
    ),
    (
        7,
        "Sâm cau rừng",
        "duoc-lieu",
        450_000,
        "túi 250 g",
        30,
        None,
        "Sâm cau phơi khô, ngâm rượu hoặc sắc uống.",
    ),
    (
        7,
        "Rượu men lá Đakrông",
        "ruou-do-uong-co-con",
        150_000,
        "chai 750 ml",
        90,
        Some((3, true)),
        "Rượu gạo ủ men lá rừng của người Pa Kô.",
    ),
    (
        8,
        "Khăn thổ cẩm Vân Kiều",
        "vai-det-thu-cong",
        250_000,
        "chiếc",
        40,
        None,
        "Khăn choàng dệt tay hoa văn truyền thống.",
    ),
    (
        8,
        "Túi thổ cẩm đeo chéo",
        "trang-phuc",
        280_000,
        "chiếc",
        35,
        None,
        "Túi vải thổ cẩm lót trong, khóa kéo.",
    ),
    (
        8,
        "Vải thổ cẩm dệt tay",
        "vai-det-thu-cong",
        600_000,
        "tấm 2 m",
        20,
        Some((3, true)),
        "Khổ 50 cm, màu nhuộm tự nhiên.",
    ),
    (
        8,
        "Ví thổ cẩm",
        "qua-luu-niem",
        120_000,
        "chiếc",
        60,
        None,
        "Ví nhỏ đựng tiền xu, thẻ.",
    ),
    (
        8,
        "Váy thổ cẩm Vân Kiều",
        "trang-phuc",
        850_000,
        "chiếc",
        12,
        None,
        "Váy truyền thống may từ vải dệt tay.",
    ),
    (
        8,
        "Lót ly thổ cẩm",
        "qua-luu-niem",
        90_000,
        "bộ 6 chiếc",
        80,
        None,
        "Quà lưu niệm nhỏ gọn.",
    ),
    (
        9,
        "Mực một nắng Đồng Hới",
        "thuy-hai-san",
        650_000,
        "túi 500 g",
        60,
        Some((3, true)),
        "Mực câu phơi một nắng, nướng than rất ngọt.",
    ),
    (
        9,
        "Khoai deo Quảng Bình",
        "banh-keo-mut",
        120_000,
        "túi 500 g",
        150,
        Some((3, true)),
        "Khoai lang hấp, phơi và sấy dẻo.",
    ),
    (
        9,
        "Ruốc khô Quảng Bình",
        "thuy-hai-san",
        160_000,
        "túi 500 g",
        90,
        None,
        "Ruốc biển phơi khô, rang hành.",
    ),
    (
        9,
        "Cá khô chỉ vàng",
        "thuy-hai-san",
        220_000,
        "túi 500 g",
        70,
        None,
        "Cá chỉ vàng tẩm gia vị, sấy khô.",
    ),
    (
        9,
        "Mắm ruốc Quảng Bình",
        "gia-vi-nuoc-cham",
        50_000,
        "hũ 250 g",
        140,
        None,
        "Mắm ruốc đặc sánh, dùng chấm và nêm.",
    ),
    (
        9,
        "Tôm khô Nhật Lệ",
        "thuy-hai-san",
        780_000,
        "túi 500 g",
        30,
        None,
        "Tôm bóc nõn, phơi nắng.",
    ),
    (
        10,
        "Giỏ mây đan Phong Nha",
        "may-tre-dan",
        180_000,
        "chiếc",
        25,
        None,
        "Giỏ đi chợ đan tay từ mây rừng.",
    ),
    (
        10,
        "Khay tre đan",
        "may-tre-dan",
        95_000,
        "chiếc",
        40,
        None,
        "Khay đựng bánh kẹo, trái cây.",
    ),
];

/// Whether the database has no stalls yet (the trigger for seeding on first start).
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(catalog::entity::stall::Entity::find().count(db).await? == 0)
}

async fn account(
    accounts: &Accounts,
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    admin: bool,
) -> anyhow::Result<User> {
    if let Some(u) = accounts
        .find_by_email(db, email)
        .await
        .map_err(common::Error::from)?
    {
        return Ok(u);
    }
    accounts
        .create(
            db,
            NewUser {
                email: email.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                full_name: name.to_owned(),
                phone: None,
            },
            admin,
        )
        .await
        .map_err(|e| anyhow::anyhow!(common::Error::from(e)))
}

/// Seeds the demo catalogue unless it is already there; prints the demo accounts. Idempotent:
/// a second run finds the demo stalls and changes nothing.
pub async fn demo(
    db: &DatabaseConnection,
    accounts: &Accounts,
    catalog: &Catalog,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let admin = account(accounts, db, DEMO_ADMIN, "Quản trị viên tỉnh", true).await?;
    let admin_actor = admin.actor();
    account(accounts, db, DEMO_BUYER, "Nguyễn Văn Khách", false).await?;
    let categories = catalog.categories(db).await.map_err(common::Error::from)?;
    let category_id = |slug: &str| {
        categories
            .iter()
            .flat_map(|c| std::iter::once(c).chain(c.children.iter()))
            .find(|c| c.slug == slug)
            .map(|c| c.id)
            .ok_or_else(|| anyhow::anyhow!("category {slug} is missing"))
    };
    let today = Catalog::today();
    let mut created = 0;
    for (index, s) in STALLS.iter().enumerate() {
        let owner = account(accounts, db, s.owner, s.owner_name, false).await?;
        let owner_actor = owner.actor();
        let mine = catalog
            .my_stalls(db, &owner_actor)
            .await
            .map_err(common::Error::from)?;
        if mine.iter().any(|m| m.name == s.name) {
            continue;
        }
        let stall = catalog
            .apply(
                db,
                &owner_actor,
                NewStall {
                    name: s.name.into(),
                    description: s.description.into(),
                    commune_code: s.commune.into(),
                    address: s.address.into(),
                    phone: s.phone.into(),
                    business_type: s.kind,
                    registration_no: None,
                },
            )
            .await
            .map_err(common::Error::from)?;
        created += 1;
        for (_, name, category, price, unit, stock, ocop, description) in
            PRODUCTS.iter().filter(|p| p.0 == index)
        {
            let product = catalog
                .create_product(
                    db,
                    &owner_actor,
                    &stall.id.to_string(),
                    NewProduct {
                        name: (*name).into(),
                        description: (*description).into(),
                        category_id: category_id(category)?,
                        price: *price,
                        unit: (*unit).into(),
                        stock: *stock,
                        images: vec![format!(
                            "https://images.cho-ocop.test/{}.jpg",
                            common::text::slugify(name, 80)
                        )],
                        origin_commune_code: Some(s.commune.into()),
                        weight_grams: None,
                        ocop: ocop.map(|(stars, _)| OcopInput {
                            stars,
                            certificate_no: format!("{}/QĐ-UBND", 100 + index * 7),
                            issuer: None,
                            issued_on: today - chrono::Duration::days(400),
                            expires_on: None,
                        }),
                    },
                )
                .await
                .map_err(common::Error::from)?;
            if matches!(ocop, Some((_, true))) {
                catalog
                    .verify_ocop(db, &admin_actor, &product.id.to_string())
                    .await
                    .map_err(common::Error::from)?;
            }
        }
        if s.approved {
            catalog
                .moderate_stall(
                    db,
                    &admin_actor,
                    &stall.id.to_string(),
                    StallAction::Approve,
                    None,
                )
                .await
                .map_err(common::Error::from)?;
        }
    }
    if created == 0 {
        writeln!(out, "demo data already present; nothing changed")?;
    } else {
        writeln!(
            out,
            "seeded {created} demo stalls with their products ({} approved, the rest waiting for review)",
            STALLS.iter().filter(|s| s.approved).count()
        )?;
    }
    writeln!(out, "demo accounts (password {DEMO_PASSWORD}):")?;
    writeln!(out, "  administrator  {DEMO_ADMIN}")?;
    writeln!(out, "  buyer          {DEMO_BUYER}")?;
    for s in STALLS {
        writeln!(out, "  vendor         {:<36} {}", s.owner, s.name)?;
    }
    Ok(())
}

/// Makes sure `n` synthetic products exist (deterministic; re-running tops up, never
/// duplicates), reporting progress to stderr.
pub async fn synthetic(
    db: &DatabaseConnection,
    accounts: &Accounts,
    catalog: &Catalog,
    n: u64,
) -> anyhow::Result<u64> {
    let owner = account(
        accounts,
        db,
        "synthetic@demo.cho-ocop.test",
        "Người bán tổng hợp",
        false,
    )
    .await?;
    let mut stderr = std::io::stderr();
    let added = catalog
        .seed_synthetic(db, owner.id, n, |done, total| {
            let percent = (done * 100).checked_div(total).unwrap_or(100);
            let _ = write!(stderr, "\rsynthetic products: {done}/{total} ({percent}%)");
            let _ = stderr.flush();
        })
        .await
        .map_err(common::Error::from)?;
    let _ = writeln!(stderr);
    Ok(added)
}
