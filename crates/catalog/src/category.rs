//! Categories: a tree managed by administrators, seeded with the OCOP programme's six groups.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::category;

/// A category with its subcategories.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Parent, if any.
    pub parent_id: Option<Uuid>,
    /// Order among its siblings.
    pub position: i32,
    /// Subcategories.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

/// A new category.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// 2 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 100))]
    pub name: String,
    /// Defaults to one made from the name.
    pub slug: Option<String>,
    /// Parent category, if any.
    pub parent_id: Option<Uuid>,
    /// Order among siblings (default 0).
    #[serde(default)]
    pub position: i32,
}

/// Changes to a category.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 100))]
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New parent; `null` makes it top-level.
    #[serde(default, deserialize_with = "crate::product::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub parent_id: Option<Option<Uuid>>,
    /// New position.
    pub position: Option<i32>,
}

/// Builds the tree from a flat list, siblings ordered by position then name.
pub fn tree(mut rows: Vec<category::Model>) -> Vec<CategoryNode> {
    rows.sort_by(|a, b| {
        a.position
            .cmp(&b.position)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut children: HashMap<Option<Uuid>, Vec<category::Model>> = HashMap::new();
    for row in rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    fn build(
        parent: Option<Uuid>,
        children: &mut HashMap<Option<Uuid>, Vec<category::Model>>,
    ) -> Vec<CategoryNode> {
        let Some(rows) = children.remove(&parent) else {
            return Vec::new();
        };
        rows.into_iter()
            .map(|r| CategoryNode {
                children: build(Some(r.id), children),
                id: r.id,
                slug: r.slug,
                name: r.name,
                parent_id: r.parent_id,
                position: r.position,
            })
            .collect()
    }
    build(None, &mut children)
}

/// `root` and every category below it.
pub fn descendants(rows: &[category::Model], root: Uuid) -> Vec<Uuid> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            rows.iter()
                .filter(|r| r.parent_id == Some(parent))
                .map(|r| r.id),
        );
        i += 1;
        if out.len() > rows.len() + 1 {
            break; // a cycle in bad data; stop rather than loop
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(id: u128, parent: Option<u128>, name: &str, position: i32) -> category::Model {
        category::Model {
            id: Uuid::from_u128(id),
            parent_id: parent.map(Uuid::from_u128),
            slug: name.to_lowercase(),
            name: name.into(),
            position,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn builds_an_ordered_tree_and_finds_descendants() {
        let rows = vec![
            row(1, None, "Thực phẩm", 0),
            row(2, None, "Đồ uống", 1),
            row(3, Some(1), "Mật ong", 1),
            row(4, Some(1), "Gạo", 0),
            row(5, Some(4), "Gạo nếp", 0),
        ];
        let t = tree(rows.clone());
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].name, "Thực phẩm");
        let kids: Vec<_> = t[0].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(kids, ["Gạo", "Mật ong"]);
        assert_eq!(t[0].children[0].children[0].name, "Gạo nếp");

        let mut d = descendants(&rows, Uuid::from_u128(1));
        d.sort();
        assert_eq!(d, [1, 3, 4, 5].map(Uuid::from_u128));
        assert_eq!(descendants(&rows, Uuid::from_u128(2)), [Uuid::from_u128(2)]);
    }
}
